package dev.hawser.kvstore.mvcc;

import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.proto.mvccpb.Event;
import java.util.function.Predicate;

/**
 * A multi-version key/value store with etcd's semantics (etcd's {@code mvcc/kv.go}). One thread writes (the
 * Raft apply thread); any number read concurrently.
 */
public interface KV extends AutoCloseable {
    /** The current revision: 1 on an empty store, +1 for every write transaction that changed something. */
    long rev();

    /** The revision of the last compaction, 0 if never compacted. Reads below it fail. */
    long compactRev();

    /** A consistent view at the current revision. Cheap; close it promptly, since it pins old data on disk. */
    TxnRead read();

    /**
     * Starts the only write transaction; others wait until it closes. All of its changes get one new main
     * revision with sub revisions 0, 1, 2, ... Closing it commits {@code batch} (see {@link TxnWrite#close()}).
     * Must be closed by the thread that opened it.
     */
    TxnWrite write(BatchTx batch);

    /**
     * Starts a {@link WriteGroup}: several write transactions in {@code batch}, committed together, each with
     * its own revision. Others wait until it closes, as for {@link #write}.
     */
    WriteGroup writeGroup(BatchTx batch);

    /**
     * Drops every version superseded at {@code rev}: the newest version of each key at or before {@code rev}
     * stays; keys whose newest state is deleted disappear. Returns once the records are gone from disk.
     *
     * @throws CompactedException if {@code rev <= compactRev()}
     * @throws FutureRevException if {@code rev > rev()}
     */
    void compact(long rev) throws MvccException;

    /** etcd's HashKV: a checksum of all history up to {@code rev} (0 = current), equal on in-sync replicas. */
    HashResult hash(long rev) throws MvccException;

    /**
     * Replays the events of revisions {@code fromRev..toRev} (inclusive; capped at the current revision) in
     * revision order until {@code visitor} returns false: the history a watcher needs to catch up. Events carry
     * no prev_kv. As in etcd, the compaction revision itself may lack events that a later change in the same
     * revision superseded (two puts to one key in one transaction); revisions above it are complete.
     *
     * @throws CompactedException if {@code fromRev < compactRev()}
     */
    void events(long fromRev, long toRev, Predicate<Event> visitor) throws MvccException;

    void setCommitListener(CommitListener listener);

    /** Sets the attacher and immediately reports to it every live key that has a lease. */
    void setLeaseAttacher(LeaseAttacher attacher);

    /** Waits for a running write transaction, then refuses new ones. Does not close the backend. */
    @Override
    void close();
}
