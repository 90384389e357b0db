package dev.hawser.kvstore.storage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteOptions;

/**
 * The node's RocksDB database with every {@link Cf}: atomic batch commits, point and multi-key reads, ordered
 * scans, snapshots, checkpoints and size reporting. Thread-safe; {@link #close()} must wait until no other call
 * is running, because RocksDB frees native memory that those calls still use.
 */
public final class Backend implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final RocksTuning tuning;
    private final RocksDB db;
    private final ColumnFamilyHandle defaultFamily;
    /** Indexed by {@link Cf#ordinal()}. */
    private final ColumnFamilyHandle[] handles;
    // Created once and shared: RocksJava allocates a native object per options instance.
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;

    private Backend(Path dir, RocksTuning tuning, RocksDB db, List<ColumnFamilyHandle> opened) {
        this.dir = dir;
        this.tuning = tuning;
        this.db = db;
        this.defaultFamily = opened.get(0);
        this.handles = opened.subList(1, opened.size()).toArray(new ColumnFamilyHandle[0]);
        // Not synced: the Raft log is the durable record and a lost tail is re-applied from it. The RocksDB WAL
        // stays on so that a restart replays a few megabytes instead of thousands of Raft entries.
        this.writeOptions = new WriteOptions().setSync(false).setDisableWAL(false);
        this.readOptions = new ReadOptions();
    }

    /** Opens the database in {@code dir}, creating it and any missing column family. */
    public static Backend open(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException("cannot create " + dir, e);
        }
        RocksTuning tuning = new RocksTuning();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, tuning.smallFamily));
        for (Cf cf : Cf.values()) {
            descriptors.add(new ColumnFamilyDescriptor(cf.columnFamilyNameBytes(), tuning.forFamily(cf)));
        }
        List<ColumnFamilyHandle> opened = new ArrayList<>(descriptors.size());
        try {
            RocksDB db = RocksDB.open(tuning.db, dir.toString(), descriptors, opened);
            return new Backend(dir, tuning, db, opened);
        } catch (RocksDBException e) {
            tuning.close();
            throw new StorageException("cannot open RocksDB in " + dir, e);
        }
    }

    public Path dir() {
        return dir;
    }

    public BatchTx newBatch() {
        return new BatchTx(handles);
    }

    /**
     * Writes the batch atomically and empties it, so it can be reused. Not fsynced (see the constructor); RocksDB
     * orders writes, so a later commit never survives a crash that loses an earlier one.
     */
    public void commit(BatchTx batch) {
        try {
            db.write(writeOptions, batch.writeBatch());
        } catch (RocksDBException e) {
            throw new StorageException("commit failed", e);
        }
        batch.writeBatch().clear();
    }

    /** The latest value of {@code key}, or null. */
    public byte[] get(Cf cf, byte[] key) {
        return get(readOptions, cf, key);
    }

    public byte[] get(ReadSnapshot snapshot, Cf cf, byte[] key) {
        return get(snapshot.readOptions(), cf, key);
    }

    /** Values in the order of {@code keys}; null where a key is absent. One native call for all keys. */
    public List<byte[]> multiGet(Cf cf, List<byte[]> keys) {
        return multiGet(readOptions, cf, keys);
    }

    public List<byte[]> multiGet(ReadSnapshot snapshot, Cf cf, List<byte[]> keys) {
        return multiGet(snapshot.readOptions(), cf, keys);
    }

    /**
     * Visits entries with {@code fromInclusive <= key < toExclusive} in key order until the visitor returns false.
     * A null bound is open. The scan sees one consistent state even while others write.
     */
    public void scan(Cf cf, byte[] fromInclusive, byte[] toExclusiveOrNull, BiPredicate<byte[], byte[]> visitor) {
        scan(null, cf, fromInclusive, toExclusiveOrNull, visitor);
    }

    public void scan(ReadSnapshot snapshot, Cf cf, byte[] fromInclusive, byte[] toExclusiveOrNull,
                     BiPredicate<byte[], byte[]> visitor) {
        iterate(snapshot, cf, fromInclusive, toExclusiveOrNull, it -> visitor.test(it.key(), it.value()));
    }

    /** Like {@link #scan} but never copies values out of RocksDB, for callers that only need the keys. */
    public void scanKeys(Cf cf, byte[] fromInclusive, byte[] toExclusiveOrNull, Predicate<byte[]> visitor) {
        iterate(null, cf, fromInclusive, toExclusiveOrNull, it -> visitor.test(it.key()));
    }

    public ReadSnapshot snapshot() {
        return new ReadSnapshot(db);
    }

    /**
     * Writes a consistent copy of the database to {@code target}, which must not exist, using hard links for
     * the SST files (so it is cheap and must be on the same file system). Memtables are flushed first.
     */
    public void checkpoint(Path target) {
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new StorageException("checkpoint to " + target + " failed", e);
        }
    }

    /** Approximate bytes the database occupies: SST files, memtables and WAL (etcd's "dbSize"). */
    public long sizeBytes() {
        try {
            return db.getAggregatedLongProperty("rocksdb.total-sst-files-size")
                    + db.getAggregatedLongProperty("rocksdb.cur-size-all-mem-tables")
                    + walBytes();
        } catch (RocksDBException e) {
            throw new StorageException("size query failed", e);
        }
    }

    /**
     * The WAL files' size, read from the directory. RocksDB's own listing ({@code getSortedWalFiles}) holds file
     * deletions off while it lists; turning them back on purges obsolete files in the calling thread and writes
     * three lines to RocksDB's info LOG. The quota check reads this size every 100 ms under load, on a gRPC thread.
     */
    private long walBytes() {
        long total = 0;
        try (DirectoryStream<Path> wals = Files.newDirectoryStream(dir, "*.log")) {
            for (Path wal : wals) {
                try {
                    total += Files.size(wal);
                } catch (NoSuchFileException deletedMeanwhile) {
                    // RocksDB dropped it after a flush: it no longer counts.
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot list the WAL files in " + dir, e);
        }
        return total;
    }

    /** Estimated bytes of live data, without obsolete versions and deletions (etcd's "dbSizeInUse"). */
    public long sizeInUseBytes() {
        try {
            return db.getAggregatedLongProperty("rocksdb.estimate-live-data-size")
                    + db.getAggregatedLongProperty("rocksdb.cur-size-all-mem-tables");
        } catch (RocksDBException e) {
            throw new StorageException("size query failed", e);
        }
    }

    /**
     * Rewrites every column family so that deleted and overwritten entries stop taking space: the RocksDB
     * counterpart of rewriting etcd's bbolt file. Blocks until done; reads and writes continue meanwhile.
     */
    public void defragment() {
        try (CompactRangeOptions options = new CompactRangeOptions()
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForceOptimized)) {
            for (ColumnFamilyHandle handle : handles) {
                db.compactRange(handle, null, null, options);
            }
        } catch (RocksDBException e) {
            throw new StorageException("defragment failed", e);
        }
    }

    @Override
    public void close() {
        writeOptions.close();
        readOptions.close();
        for (ColumnFamilyHandle handle : handles) {
            handle.close();
        }
        defaultFamily.close();
        try {
            db.closeE();
        } catch (RocksDBException e) {
            throw new StorageException("close failed", e);
        } finally {
            tuning.close();
        }
    }

    private ColumnFamilyHandle handle(Cf cf) {
        return handles[cf.ordinal()];
    }

    private byte[] get(ReadOptions options, Cf cf, byte[] key) {
        try {
            return db.get(handle(cf), options, key);
        } catch (RocksDBException e) {
            throw new StorageException("get from " + cf.columnFamilyName() + " failed", e);
        }
    }

    private List<byte[]> multiGet(ReadOptions options, Cf cf, List<byte[]> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        try {
            return db.multiGetAsList(options, Collections.nCopies(keys.size(), handle(cf)), keys);
        } catch (RocksDBException e) {
            throw new StorageException("multiGet from " + cf.columnFamilyName() + " failed", e);
        }
    }

    private void iterate(ReadSnapshot snapshot, Cf cf, byte[] fromInclusive, byte[] toExclusiveOrNull,
                         Predicate<RocksIterator> visitor) {
        try (ReadOptions options = new ReadOptions()
                // Scans are bulk reads (restore, compaction, hashing, watch catch-up); keep them from evicting
                // the blocks that point reads need.
                .setFillCache(false);
             Slice upperBound = toExclusiveOrNull == null ? null : new Slice(toExclusiveOrNull)) {
            if (snapshot != null) {
                options.setSnapshot(snapshot.snapshot());
            }
            if (upperBound != null) {
                // Lets RocksDB stop at the bound instead of reading (and skipping tombstones) past it.
                options.setIterateUpperBound(upperBound);
            }
            try (RocksIterator it = db.newIterator(handle(cf), options)) {
                if (fromInclusive == null) {
                    it.seekToFirst();
                } else {
                    it.seek(fromInclusive);
                }
                for (; it.isValid(); it.next()) {
                    if (!visitor.test(it)) {
                        return;
                    }
                }
                it.status();
            }
        } catch (RocksDBException e) {
            throw new StorageException("scan of " + cf.columnFamilyName() + " failed", e);
        }
    }
}
