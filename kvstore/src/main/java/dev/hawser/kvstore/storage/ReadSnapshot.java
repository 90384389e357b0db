package dev.hawser.kvstore.storage;

import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.Snapshot;

/**
 * A consistent point-in-time view for the {@link Backend} read overloads. Holding one pins the data it sees
 * (deleted records stay on disk until it closes), so close it as soon as the read is done. Reads through one
 * snapshot may run on several threads; closing it is the owner's job, once.
 */
public final class ReadSnapshot implements AutoCloseable {
    private final RocksDB db;
    private final Snapshot snapshot;
    private final ReadOptions readOptions;
    private boolean closed;

    ReadSnapshot(RocksDB db) {
        this.db = db;
        this.snapshot = db.getSnapshot();
        this.readOptions = new ReadOptions().setSnapshot(snapshot);
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /** Options for point reads at this snapshot; created once because every range read uses them. */
    ReadOptions readOptions() {
        return readOptions;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        readOptions.close();
        db.releaseSnapshot(snapshot);
        snapshot.close();
    }
}
