package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;

/** What every transaction can read (etcd's {@code ReadView}). */
public interface ReadView {
    /** The compaction revision (0 if never compacted): reads below it fail with {@link CompactedException}. */
    long firstRev();

    /**
     * The revision this view reads at when asked for revision 0 (1 on an empty store). Inside a
     * {@link TxnWrite} that has changed something, this is the revision the transaction will commit.
     */
    long rev();

    /**
     * The keys in [key, end) at {@code opts.rev()}. {@code end} empty means just {@code key}; {@code end} equal
     * to a single zero byte means every key {@code >= key}; {@code end <= key} selects nothing.
     *
     * @throws FutureRevException if {@code opts.rev() > rev()}
     * @throws CompactedException if the revision to read at is below {@link #firstRev()}
     */
    RangeResult range(ByteString key, ByteString end, RangeOptions opts) throws MvccException;
}
