package dev.hawser.kvstore.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendTest {
    @TempDir
    Path dir;
    private Backend backend;

    @BeforeEach
    void open() {
        backend = Backend.open(dir.resolve("db"));
    }

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    void committedBatchIsVisibleAndEmptiedForReuse() {
        try (BatchTx batch = backend.newBatch()) {
            batch.put(Cf.KEY, b("k1"), b("v1"));
            batch.put(Cf.LEASE, b("k1"), b("lease"));
            assertNull(backend.get(Cf.KEY, b("k1")), "nothing is visible before commit");
            backend.commit(batch);
            assertEquals(0, batch.size());
            batch.delete(Cf.LEASE, b("k1"));
            backend.commit(batch);
        }
        assertArrayEquals(b("v1"), backend.get(Cf.KEY, b("k1")));
        assertNull(backend.get(Cf.LEASE, b("k1")), "column families are separate key spaces");
    }

    @Test
    void multiGetReturnsValuesInKeyOrderWithNullForMissing() {
        write(Cf.KEY, "a", "1", "c", "3");
        List<byte[]> values = backend.multiGet(Cf.KEY, List.of(b("c"), b("b"), b("a")));
        assertArrayEquals(b("3"), values.get(0));
        assertNull(values.get(1));
        assertArrayEquals(b("1"), values.get(2));
        assertTrue(backend.multiGet(Cf.KEY, List.of()).isEmpty());
    }

    @Test
    void scanVisitsHalfOpenRangeInOrderAndStopsWhenAsked() {
        write(Cf.META, "a", "1", "b", "2", "c", "3", "d", "4");
        assertEquals(List.of("b", "c"), scanKeys(b("b"), b("d"), Integer.MAX_VALUE));
        assertEquals(List.of("a", "b", "c", "d"), scanKeys(null, null, Integer.MAX_VALUE));
        assertEquals(List.of("a", "b"), scanKeys(null, null, 2));
        List<String> keysOnly = new ArrayList<>();
        backend.scanKeys(Cf.META, b("c"), null, key -> keysOnly.add(new String(key, UTF_8)));
        assertEquals(List.of("c", "d"), keysOnly);
    }

    @Test
    void snapshotKeepsSeeingTheStateItWasTakenAt() {
        write(Cf.KEY, "a", "old");
        try (ReadSnapshot snapshot = backend.snapshot()) {
            write(Cf.KEY, "a", "new", "b", "added");
            assertArrayEquals(b("old"), backend.get(snapshot, Cf.KEY, b("a")));
            assertNull(backend.multiGet(snapshot, Cf.KEY, List.of(b("b"))).get(0));
            List<String> seen = new ArrayList<>();
            backend.scan(snapshot, Cf.KEY, null, null, (k, v) -> seen.add(new String(v, UTF_8)));
            assertEquals(List.of("old"), seen);
        }
        assertArrayEquals(b("new"), backend.get(Cf.KEY, b("a")));
    }

    @Test
    void checkpointIsAnOpenableCopy() {
        write(Cf.KEY, "a", "1");
        Path copy = dir.resolve("checkpoint");
        backend.checkpoint(copy);
        write(Cf.KEY, "a", "2");
        try (Backend restored = Backend.open(copy)) {
            assertArrayEquals(b("1"), restored.get(Cf.KEY, b("a")));
        }
        assertThrows(StorageException.class, () -> backend.checkpoint(copy), "the target must not exist");
    }

    @Test
    void dataSurvivesReopen() {
        write(Cf.ALARM, "x", "y");
        backend.close();
        backend = Backend.open(dir.resolve("db"));
        assertArrayEquals(b("y"), backend.get(Cf.ALARM, b("x")));
    }

    @Test
    void sizesGrowWithDataAndDefragmentKeepsIt() {
        long before = backend.sizeBytes();
        try (BatchTx batch = backend.newBatch()) {
            for (int i = 0; i < 1000; i++) {
                batch.put(Cf.KEY, b("key" + i), new byte[100]);
            }
            backend.commit(batch);
        }
        assertTrue(backend.sizeBytes() > before);
        backend.defragment();
        assertTrue(backend.sizeInUseBytes() > 0);
        assertEquals(100, backend.get(Cf.KEY, b("key999")).length);
    }

    @Test
    void sizeCountsTheWalAndLeavesRocksDbsInfoLogAlone() throws Exception {
        try (BatchTx batch = backend.newBatch()) {
            batch.put(Cf.KEY, b("key"), new byte[200_000]);
            backend.commit(batch);
        }
        // The value sits in the WAL and in a memtable until a flush; the WAL counts once more on disk.
        assertTrue(backend.sizeBytes() >= 400_000, "size " + backend.sizeBytes());
        // The quota check asks every 100 ms under load; each answer used to add three lines to RocksDB's LOG.
        Path infoLog = dir.resolve("db").resolve("LOG");
        long logBytes = Files.size(infoLog);
        for (int i = 0; i < 50; i++) {
            backend.sizeBytes();
        }
        assertEquals(logBytes, Files.size(infoLog));
    }

    @Test
    void metaKeysReadZeroWhenAbsentAndRoundTripLongs() {
        assertEquals(0, MetaKeys.CONSISTENT_INDEX.readLong(backend));
        try (BatchTx batch = backend.newBatch()) {
            MetaKeys.CONSISTENT_INDEX.writeLong(batch, 0x0102030405060708L);
            MetaKeys.CONSISTENT_TERM.writeLong(batch, -1);
            backend.commit(batch);
        }
        assertEquals(0x0102030405060708L, MetaKeys.CONSISTENT_INDEX.readLong(backend));
        assertEquals(-1, MetaKeys.CONSISTENT_TERM.readLong(backend));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
                backend.get(Cf.META, b(MetaKeys.CONSISTENT_INDEX.keyName())), "big-endian on disk");
    }

    private void write(Cf cf, String... keysAndValues) {
        try (BatchTx batch = backend.newBatch()) {
            for (int i = 0; i < keysAndValues.length; i += 2) {
                batch.put(cf, b(keysAndValues[i]), b(keysAndValues[i + 1]));
            }
            backend.commit(batch);
        }
    }

    private List<String> scanKeys(byte[] from, byte[] to, int max) {
        List<String> keys = new ArrayList<>();
        backend.scan(Cf.META, from, to, (k, v) -> {
            keys.add(new String(k, UTF_8));
            return keys.size() < max;
        });
        return keys;
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }
}
