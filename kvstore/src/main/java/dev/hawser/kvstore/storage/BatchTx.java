package dev.hawser.kvstore.storage;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Writes collected for one atomic {@link Backend#commit}. The Raft apply path puts everything an entry changes
 * (MVCC records, leases, the applied index) into one batch, so a crash never leaves half an entry applied.
 * Not thread-safe: one batch belongs to one writer.
 */
public final class BatchTx implements AutoCloseable {
    private final WriteBatch batch = new WriteBatch();
    private final ColumnFamilyHandle[] handles;

    BatchTx(ColumnFamilyHandle[] handles) {
        this.handles = handles;
    }

    public void put(Cf cf, byte[] key, byte[] value) {
        try {
            batch.put(handles[cf.ordinal()], key, value);
        } catch (RocksDBException e) {
            throw new StorageException("batch put in " + cf.columnFamilyName() + " failed", e);
        }
    }

    public void delete(Cf cf, byte[] key) {
        try {
            batch.delete(handles[cf.ordinal()], key);
        } catch (RocksDBException e) {
            throw new StorageException("batch delete in " + cf.columnFamilyName() + " failed", e);
        }
    }

    /** Number of operations waiting for the next commit. */
    public int size() {
        return batch.count();
    }

    WriteBatch writeBatch() {
        return batch;
    }

    @Override
    public void close() {
        batch.close();
    }
}
