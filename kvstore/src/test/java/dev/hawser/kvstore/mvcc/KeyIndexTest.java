package dev.hawser.kvstore.mvcc;

import static dev.hawser.kvstore.mvcc.OpenStore.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The cases of etcd's key_index_test.go, on the same example key. */
class KeyIndexTest {
    /**
     * <pre>
     *   {empty}
     *   {14.0, 14.1, 16.0(t)}
     *   {8.0, 10.0, 12.0(t)}
     *   {2.0, 4.0, 6.0(t)}
     * </pre>
     */
    private static KeyIndex example() {
        KeyIndex ki = new KeyIndex(bs("foo"));
        ki.put(2, 0, 0);
        ki.put(4, 0, 0);
        ki.tombstone(6, 0);
        ki.put(8, 0, 0);
        ki.put(10, 0, 0);
        ki.tombstone(12, 0);
        ki.put(14, 0, 0);
        ki.put(14, 1, 0);
        ki.tombstone(16, 0);
        return ki;
    }

    @ParameterizedTest(name = "get({0}) = {1}")
    @CsvSource({
        "1, absent", "2, 2.0 c2 v1", "3, 2.0 c2 v1", "4, 4.0 c2 v2", "5, 4.0 c2 v2", "6, absent", "7, absent",
        "8, 8.0 c8 v1", "9, 8.0 c8 v1", "10, 10.0 c8 v2", "11, 10.0 c8 v2", "12, absent", "13, absent",
        "14, 14.1 c14 v2", "15, 14.1 c14 v2", "16, absent", "17, absent"})
    void getFindsTheRevisionLiveAtEachPoint(long atRev, String expected) {
        assertEquals(expected, describe(example().get(atRev)));
    }

    @ParameterizedTest(name = "compact({0})")
    @CsvSource(delimiter = '|', value = {
        "1  | []     | {2.0, 4.0, 6.0}, {8.0, 10.0, 12.0}, {14.0, 14.1, 16.0}, {}",
        "2  | [2.0]  | {2.0, 4.0, 6.0}, {8.0, 10.0, 12.0}, {14.0, 14.1, 16.0}, {}",
        "3  | [2.0]  | {2.0, 4.0, 6.0}, {8.0, 10.0, 12.0}, {14.0, 14.1, 16.0}, {}",
        "4  | [4.0]  | {4.0, 6.0}, {8.0, 10.0, 12.0}, {14.0, 14.1, 16.0}, {}",
        "5  | [4.0]  | {4.0, 6.0}, {8.0, 10.0, 12.0}, {14.0, 14.1, 16.0}, {}",
        "6  | [6.0]  | {6.0}, {8.0, 10.0, 12.0}, {14.0, 14.1, 16.0}, {}",
        "7  | []     | {8.0, 10.0, 12.0}, {14.0, 14.1, 16.0}, {}",
        "8  | [8.0]  | {8.0, 10.0, 12.0}, {14.0, 14.1, 16.0}, {}",
        "10 | [10.0] | {10.0, 12.0}, {14.0, 14.1, 16.0}, {}",
        "12 | [12.0] | {12.0}, {14.0, 14.1, 16.0}, {}",
        "13 | []     | {14.0, 14.1, 16.0}, {}",
        "14 | [14.1] | {14.1, 16.0}, {}",
        "15 | [14.1] | {14.1, 16.0}, {}",
        "16 | [16.0] | {16.0}, {}",
        "17 | []     | {}"})
    void compactKeepsNewestRevisionAtOrBeforeAndTombstoneExactlyAtRev(long atRev, String available,
                                                                      String generations) {
        KeyIndex ki = example();
        Set<Revision> kept = new HashSet<>();
        ki.compact(atRev, kept);
        assertEquals(available, new TreeSet<>(kept).toString());
        assertEquals("foo [" + generations + "]", ki.toString());
        assertEquals(atRev >= 17, ki.isEmpty(), "a key whose newest state is deleted leaves the index");
    }

    @ParameterizedTest(name = "keep({0})")
    @CsvSource({"1, []", "2, [2.0]", "4, [4.0]", "5, [4.0]", "6, []", "7, []", "10, [10.0]", "12, []",
        "14, [14.1]", "16, []", "17, []"})
    void keepMatchesCompactButSkipsTombstonesAndChangesNothing(long atRev, String available) {
        KeyIndex ki = example();
        String before = ki.toString();
        Set<Revision> kept = new HashSet<>();
        ki.keep(atRev, kept);
        assertEquals(available, new TreeSet<>(kept).toString());
        assertEquals(before, ki.toString());
    }

    @Test
    void compactingStepByStepEqualsCompactingOnce() {
        KeyIndex stepwise = example();
        for (long rev = 1; rev <= 15; rev++) {
            stepwise.compact(rev, new HashSet<>());
        }
        KeyIndex once = example();
        once.compact(15, new HashSet<>());
        assertEquals(once.toString(), stepwise.toString());
        for (long rev = 15; rev <= 17; rev++) {
            assertEquals(describe(once.get(rev)), describe(stepwise.get(rev)));
        }
    }

    @Test
    void versionsSurviveCompaction() {
        KeyIndex ki = new KeyIndex(bs("k"));
        for (long rev = 2; rev <= 6; rev++) {
            ki.put(rev, 0, 0);
        }
        ki.compact(5, new HashSet<>());
        assertEquals("5.0 c2 v4", describe(ki.get(5)));
        assertEquals("6.0 c2 v5", describe(ki.get(6)));
        assertNull(ki.get(4), "compacted history is gone");
    }

    @Test
    void tombstoneOnDeletedKeyChangesNothing() {
        KeyIndex ki = new KeyIndex(bs("k"));
        ki.put(2, 0, 7);
        assertTrue(ki.tombstone(3, 0));
        assertEquals(0, ki.lease(), "a deleted key has no lease");
        assertFalse(ki.tombstone(4, 0));
        assertFalse(ki.isLive());
    }

    @Test
    void putAtOrBeforeTheLastRevisionIsRejected() {
        KeyIndex ki = new KeyIndex(bs("k"));
        ki.put(5, 1, 0);
        assertThrows(IllegalStateException.class, () -> ki.put(5, 1, 0));
        assertThrows(IllegalStateException.class, () -> ki.put(4, 9, 0));
    }

    @Test
    void restoredTombstoneIsInvisibleKeptByCompactionAtItsRevisionAndDroppedAfter() {
        KeyIndex ki = KeyIndex.restoredTombstone(bs("foo"), new Revision(16, 0));
        for (long rev = 16; rev <= 20; rev++) {
            assertNull(ki.get(rev));
        }
        ki.put(17, 0, 0);
        ki.put(18, 0, 0);
        assertEquals("18.0 c17 v2", describe(ki.get(18)));
        Set<Revision> kept = new HashSet<>();
        ki.compact(17, kept);
        assertEquals("[17.0]", kept.toString());
        assertEquals("foo [{17.0, 18.0}]", ki.toString());
    }

    private static String describe(IndexEntry entry) {
        return entry == null ? "absent"
                : entry.modified() + " c" + entry.createRevision() + " v" + entry.version();
    }
}
