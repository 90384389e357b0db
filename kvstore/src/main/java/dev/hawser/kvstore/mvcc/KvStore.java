package dev.hawser.kvstore.mvcc;

import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.MetaKeys;
import dev.hawser.kvstore.storage.ReadSnapshot;
import dev.hawser.proto.mvccpb.Event;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * {@link KV} on RocksDB (etcd's {@code kvstore.go}): records live in the {@code key} column family under their
 * {@link Revision}, and a {@link TreeIndex} in memory maps keys to revisions.
 *
 * <p>Concurrency: one writer, many readers. The write lock is held for a whole write transaction. Readers take
 * the read lock only while they resolve revisions in the index; they read values from a RocksDB snapshot
 * outside the lock, so big reads do not stall writes.
 */
public final class KvStore implements KV {
    static final int DEFAULT_COMPACTION_BATCH = 10_000;

    private final Backend backend;
    private final TreeIndex index;
    private final int compactionBatch;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Changed only under the write lock, after the revision's records are committed; read without it. */
    private volatile long currentRev;
    /** Changed only under the write lock. */
    private volatile long compactRev;
    private volatile CommitListener commitListener = CommitListener.NONE;
    private volatile LeaseAttacher leaseAttacher = LeaseAttacher.NONE;
    /** Set when a commit failed after the index changed: memory and disk disagree, so nothing may write. */
    private volatile boolean failed;
    private volatile boolean closed;

    private KvStore(Backend backend, RestoredState state, int compactionBatch) {
        this.backend = backend;
        this.index = state.index();
        this.currentRev = state.currentRev();
        this.compactRev = state.compactRev();
        this.compactionBatch = compactionBatch;
    }

    /** Opens the store kept in {@code backend}, finishing a compaction a crash interrupted. */
    public static KvStore open(Backend backend) {
        return open(backend, DEFAULT_COMPACTION_BATCH);
    }

    static KvStore open(Backend backend, int compactionBatch) {
        RestoredState state = RestoredState.load(backend);
        KvStore store = new KvStore(backend, state, compactionBatch);
        if (state.scheduledCompactRev() > state.compactRev()) {
            try {
                store.compact(state.scheduledCompactRev());
            } catch (MvccException e) {
                throw new IllegalStateException("cannot resume compaction at " + state.scheduledCompactRev(), e);
            }
        }
        return store;
    }

    @Override
    public long rev() {
        return currentRev;
    }

    @Override
    public long compactRev() {
        return compactRev;
    }

    @Override
    public TxnRead read() {
        checkOpen();
        // No lock needed: the revision is published only after its records are committed, so a snapshot taken
        // after reading it contains everything up to it. Compactions that start later only delete records
        // superseded at or before their revision, which this view never reads (range re-checks compactRev).
        long rev = currentRev;
        return new ReadTxn(this, backend.snapshot(), rev);
    }

    @Override
    public TxnWrite write(BatchTx batch) {
        lock.writeLock().lock();
        if (closed || failed) {
            lock.writeLock().unlock();
            throw new IllegalStateException(failed ? "store failed; restart the node" : "store closed");
        }
        return new StoreWriteGroup(this, batch, currentRev, true).next();
    }

    @Override
    public WriteGroup writeGroup(BatchTx batch) {
        lock.writeLock().lock();
        if (closed || failed) {
            lock.writeLock().unlock();
            throw new IllegalStateException(failed ? "store failed; restart the node" : "store closed");
        }
        return new StoreWriteGroup(this, batch, currentRev, false);
    }

    /** Synchronized so that compactions run one at a time, since their physical phase runs outside the lock. */
    @Override
    public synchronized void compact(long rev) throws MvccException {
        checkOpen();
        Set<Revision> keep;
        lock.writeLock().lock();
        try {
            if (rev <= compactRev) {
                throw new CompactedException();
            }
            if (rev > currentRev) {
                throw new FutureRevException();
            }
            // Persist the intent first: if the node crashes while deleting, open() finishes the job.
            try (BatchTx batch = backend.newBatch()) {
                MetaKeys.SCHEDULED_COMPACT_REV.writeLong(batch, rev);
                backend.commit(batch);
            }
            keep = index.compact(rev);
            compactRev = rev;
        } finally {
            lock.writeLock().unlock();
        }
        // Outside the lock: readers resolve against the compacted index and read from snapshots, and writers only
        // add revisions above rev, which this never touches.
        Compactor.deleteSuperseded(backend, rev, keep, compactionBatch);
    }

    @Override
    public HashResult hash(long rev) throws MvccException {
        long atRev;
        long compactedAt;
        Set<Revision> keep;
        ReadSnapshot snapshot;
        lock.readLock().lock();
        try {
            compactedAt = compactRev;
            if (rev > 0 && rev < compactedAt) {
                throw new CompactedException();
            }
            if (rev > currentRev) {
                throw new FutureRevException();
            }
            atRev = rev > 0 ? rev : currentRev;
            keep = index.keep(atRev);
            // Taken under the lock so that no compaction past compactedAt can have deleted records yet.
            snapshot = backend.snapshot();
        } finally {
            lock.readLock().unlock();
        }
        try (snapshot) {
            return new HashResult(KvHasher.hash(backend, snapshot, compactedAt, atRev, keep), compactedAt, atRev);
        }
    }

    @Override
    public void events(long fromRev, long toRev, Predicate<Event> visitor) throws MvccException {
        long upTo;
        ReadSnapshot snapshot;
        lock.readLock().lock();
        try {
            if (fromRev < compactRev) {
                throw new CompactedException();
            }
            upTo = Math.min(toRev, currentRev);
            // Under the lock for the same reason as in hash().
            snapshot = backend.snapshot();
        } finally {
            lock.readLock().unlock();
        }
        try (snapshot) {
            if (fromRev <= upTo) {
                backend.scan(snapshot, Cf.KEY, Revision.startOf(fromRev), Revision.startOf(upTo + 1),
                        (key, value) -> visitor.test(KeyValues.toEvent(key, value)));
            }
        }
    }

    @Override
    public void setCommitListener(CommitListener listener) {
        commitListener = listener;
    }

    @Override
    public void setLeaseAttacher(LeaseAttacher attacher) {
        lock.writeLock().lock();
        try {
            leaseAttacher = attacher;
            // The lessor is built after the store is restored: this is how it learns the attachments on disk.
            index.forEachLease((key, lease) -> attacher.attach(lease, key));
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    Backend backend() {
        return backend;
    }

    /** Only while holding the write lock. */
    TreeIndex index() {
        return index;
    }

    LeaseAttacher leaseAttacher() {
        return leaseAttacher;
    }

    /** Resolves a range in the index. Safe for the writer too: the lock is reentrant. */
    IndexRange lookup(KeyRange range, long atRev, RangeOptions opts) throws CompactedException {
        lock.readLock().lock();
        try {
            if (atRev < compactRev) {
                throw new CompactedException();
            }
            return opts.countOnly()
                    ? new IndexRange(List.of(), index.count(range, atRev))
                    : index.revisions(range, atRev, opts.limit());
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Ends a write group (or a lone write transaction): commit, then for each revision notify and publish, then
     * unlock (etcd's {@code storeTxnWrite.End}, once per revision).
     */
    void endGroup(BatchTx batch, long committedRev, List<List<Event>> revisions) {
        try {
            try {
                backend.commit(batch);
            } catch (RuntimeException e) {
                // The index already holds the group's revisions but the disk does not: later writes would reuse
                // them, so the node must restart and rebuild from its Raft log.
                failed = failed || !revisions.isEmpty();
                throw e;
            }
            RuntimeException listenerFailure = null;
            for (int i = 0; i < revisions.size(); i++) {
                long rev = committedRev + 1 + i;
                try {
                    commitListener.onCommit(rev, revisions.get(i));
                } catch (RuntimeException e) {
                    // The records are on disk whatever the listener did; hiding them would corrupt later writes.
                    listenerFailure = listenerFailure == null ? e : listenerFailure;
                }
                currentRev = rev;
            }
            try {
                commitListener.afterCommits();
            } catch (RuntimeException e) {
                listenerFailure = listenerFailure == null ? e : listenerFailure;
            }
            if (listenerFailure != null) {
                throw listenerFailure;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Ends a write group without committing it; see {@link WriteGroup#abandon()}. */
    void abandonGroup() {
        failed = true;
        lock.writeLock().unlock();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("store closed");
        }
    }
}
