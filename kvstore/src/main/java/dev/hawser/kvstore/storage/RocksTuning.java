package dev.hawser.kvstore.storage;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.LRUCache;

/**
 * RocksDB options for a small (2-core) node. The native objects must outlive the database, so {@link Backend}
 * keeps this open until after the database is closed.
 */
final class RocksTuning implements AutoCloseable {
    private static final long BLOCK_CACHE_BYTES = 64L << 20;
    /** Caps memtables across all column families; small ones rarely fill their own buffer. */
    private static final long TOTAL_WRITE_BUFFER_BYTES = 128L << 20;
    private static final long KEY_WRITE_BUFFER_BYTES = 32L << 20;
    private static final long SMALL_WRITE_BUFFER_BYTES = 8L << 20;
    /** Bounds WAL replay on restart; reaching it forces a flush. */
    private static final long MAX_TOTAL_WAL_BYTES = 256L << 20;
    private static final double BLOOM_BITS_PER_KEY = 10;
    private static final long MAX_INFO_LOG_BYTES = 16L << 20;

    final DBOptions db;
    /** For {@link Cf#KEY}, the only large, write-heavy column family. */
    final ColumnFamilyOptions keyFamily;
    /** For every other column family, including RocksDB's mandatory default one. */
    final ColumnFamilyOptions smallFamily;
    private final Cache blockCache;
    private final Filter bloomFilter;

    RocksTuning() {
        db = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2)
                // One entry's writes span several column families; flushing them together keeps them consistent
                // on disk even if the WAL is lost.
                .setAtomicFlush(true)
                .setDbWriteBufferSize(TOTAL_WRITE_BUFFER_BYTES)
                .setMaxTotalWalSize(MAX_TOTAL_WAL_BYTES)
                // Spread writeback over time instead of stalling on one big sync at the end of a flush.
                .setBytesPerSync(1L << 20)
                // RocksDB's info LOG otherwise grows until a restart; rotated, it stays under 5 x 16 MiB.
                .setMaxLogFileSize(MAX_INFO_LOG_BYTES)
                .setKeepLogFileNum(5);
        // One cache and one filter policy for all column families, so 64 MiB is the whole budget.
        blockCache = new LRUCache(BLOCK_CACHE_BYTES);
        bloomFilter = new BloomFilter(BLOOM_BITS_PER_KEY);
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(blockCache)
                .setFilterPolicy(bloomFilter)
                // Index and filter blocks count against the cache instead of growing without bound.
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        keyFamily = new ColumnFamilyOptions()
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(table)
                .setWriteBufferSize(KEY_WRITE_BUFFER_BYTES)
                // MVCC reads only look up revisions the index says exist, so a filter on the last level (most of
                // the data) would never say "absent"; skipping it saves most of the filter memory.
                .setOptimizeFiltersForHits(true);
        smallFamily = new ColumnFamilyOptions()
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(table)
                .setWriteBufferSize(SMALL_WRITE_BUFFER_BYTES);
    }

    ColumnFamilyOptions forFamily(Cf cf) {
        return cf == Cf.KEY ? keyFamily : smallFamily;
    }

    @Override
    public void close() {
        keyFamily.close();
        smallFamily.close();
        db.close();
        bloomFilter.close();
        blockCache.close();
    }
}
