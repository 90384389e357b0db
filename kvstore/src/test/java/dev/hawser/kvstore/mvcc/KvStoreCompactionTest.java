package dev.hawser.kvstore.mvcc;

import static dev.hawser.kvstore.mvcc.KvStoreTest.kv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.MetaKeys;
import dev.hawser.proto.mvccpb.Event;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvStoreCompactionTest {
    @TempDir
    Path dir;
    private OpenStore store;

    @BeforeEach
    void open() {
        // A tiny batch limit so that every compaction here commits its deletions in several batches.
        store = new OpenStore(dir.resolve("a"), 2);
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** a: 2, 3, 5; b: 4, deleted at 6; c: 7. */
    private void writeHistory() {
        store.put("a", "1");
        store.put("a", "2");
        store.put("b", "1");
        store.put("a", "3");
        store.delete("b", "");
        store.put("c", "1");
    }

    @Test
    void compactionPhysicallyRemovesSupersededRecords() throws MvccException {
        writeHistory();
        assertEquals(List.of("2.0", "3.0", "4.0", "5.0", "6.0t", "7.0"), store.records());
        store.kv.compact(5);
        assertEquals(List.of("4.0", "5.0", "6.0t", "7.0"), store.records(), "b@4 is still b's newest at 5");
        assertEquals(5, store.kv.compactRev());
        assertEquals(5, MetaKeys.FINISHED_COMPACT_REV.readLong(store.backend));
        assertEquals(List.of(kv("a", "3", 2, 5, 3, 0), kv("b", "1", 4, 4, 1, 0)),
                store.range("\0", "\0", new RangeOptions(0, 5, false)).kvs(), "the state at 5 is intact");
    }

    @Test
    void compactionAtARevisionThatDeletedAndRecreatedAKeyKeepsTheNewValue() throws MvccException {
        store.put("b", "old");
        // One transaction deletes b and puts it again: a tombstone and a put share main revision 3.
        try (BatchTx batch = store.backend.newBatch(); TxnWrite txn = store.kv.write(batch)) {
            txn.deleteRange(com.google.protobuf.ByteString.copyFromUtf8("b"), com.google.protobuf.ByteString.EMPTY);
            txn.put(com.google.protobuf.ByteString.copyFromUtf8("b"), com.google.protobuf.ByteString.copyFromUtf8("new"), 0);
        }
        assertEquals(List.of("2.0", "3.0t", "3.1"), store.records());
        store.kv.compact(3);
        assertEquals(List.of("3.0t", "3.1"), store.records(), "the delete stays for watchers, and the new value stays");
        assertEquals("new", store.get("b").getValue().toStringUtf8());
        store.put("c", "1");
        store.kv.compact(4);
        assertEquals(List.of("3.1", "4.0"), store.records());
        assertEquals("new", store.get("b").getValue().toStringUtf8());
    }

    @Test
    void compactionKeepsTombstoneAtItsRevisionUntilTheNextOne() throws MvccException {
        writeHistory();
        store.kv.compact(6);
        assertEquals(List.of("5.0", "6.0t", "7.0"), store.records(),
                "a watcher starting at 6 must still see b's deletion");
        store.kv.compact(7);
        assertEquals(List.of("5.0", "7.0"), store.records(), "keys whose newest state is deleted disappear");
        assertEquals(List.of(kv("a", "3", 2, 5, 3, 0), kv("c", "1", 7, 7, 1, 0)),
                store.range("\0", "\0", RangeOptions.ALL).kvs());
    }

    @Test
    void compactRejectsOldAndFutureRevisions() throws MvccException {
        writeHistory();
        assertThrows(CompactedException.class, () -> store.kv.compact(0));
        store.kv.compact(4);
        assertThrows(CompactedException.class, () -> store.kv.compact(4));
        assertThrows(CompactedException.class, () -> store.kv.compact(3));
        assertThrows(FutureRevException.class, () -> store.kv.compact(8));
        assertEquals(4, store.kv.compactRev());
    }

    @Test
    void compactionSurvivesReopen() throws MvccException {
        writeHistory();
        store.kv.compact(6);
        store.reopen();
        assertEquals(6, store.kv.compactRev());
        assertEquals(7, store.kv.rev());
        assertThrows(CompactedException.class, () -> store.range("a", "", new RangeOptions(0, 5, false)));
        assertEquals(kv("a", "3", 2, 5, 3, 0), store.get("a"));
        store.kv.compact(7);
        assertEquals(List.of("5.0", "7.0"), store.records(), "the restored tombstone goes with the next compaction");
    }

    @Test
    void reopenFinishesAnInterruptedCompaction() throws MvccException {
        writeHistory();
        // What a crash right after the compaction was scheduled leaves on disk.
        try (BatchTx batch = store.backend.newBatch()) {
            MetaKeys.SCHEDULED_COMPACT_REV.writeLong(batch, 5);
            store.backend.commit(batch);
        }
        store.reopen();
        assertEquals(5, store.kv.compactRev());
        assertEquals(5, MetaKeys.FINISHED_COMPACT_REV.readLong(store.backend));
        assertEquals(List.of("4.0", "5.0", "6.0t", "7.0"), store.records());
    }

    @Test
    void revisionStaysAtCompactionRevisionWhenNoRecordIsLeftAboveIt() throws MvccException {
        store.put("a", "1");
        store.put("a", "2");
        try (BatchTx batch = store.backend.newBatch()) {
            // As if compaction at 3 had deleted everything and a crash lost nothing but the records.
            MetaKeys.FINISHED_COMPACT_REV.writeLong(batch, 3);
            batch.delete(Cf.KEY, new Revision(3, 0).toBytes());
            batch.delete(Cf.KEY, new Revision(2, 0).toBytes());
            store.backend.commit(batch);
        }
        store.reopen();
        assertEquals(3, store.kv.rev());
        assertEquals(4, store.put("b", "1"));
    }

    @Test
    void hashIsStableAcrossReopenAndEqualOnReplicasWithSameHistory() throws MvccException {
        try (OpenStore replica = new OpenStore(dir.resolve("b"))) {
            for (OpenStore s : List.of(store, replica)) {
                s.put("a", "1");
                s.put("b", "2");
                s.put("a", "3");
                s.delete("b", "");
                s.kv.compact(4);
                s.put("c", "4");
            }
            replica.reopen();
            HashResult hash = store.kv.hash(0);
            assertEquals(new HashResult(hash.hash(), 4, 6), hash);
            assertEquals(hash, replica.kv.hash(0));
            assertEquals(store.kv.hash(5), replica.kv.hash(5));
            assertNotEquals(hash.hash(), store.kv.hash(5).hash());
            store.reopen();
            assertEquals(hash, store.kv.hash(6));
        }
    }

    @Test
    void hashDoesNotDependOnPhysicalCompactionProgress() throws MvccException {
        writeHistory();
        store.kv.compact(5);
        HashResult compacted = store.kv.hash(0);
        // Put a superseded record back, as if this replica had not finished deleting yet.
        try (BatchTx batch = store.backend.newBatch()) {
            batch.put(Cf.KEY, new Revision(2, 0).toBytes(),
                    kv("a", "1", 2, 2, 1, 0).toByteArray());
            store.backend.commit(batch);
        }
        assertEquals(compacted, store.kv.hash(0));
    }

    @Test
    void hashRejectsCompactedAndFutureRevisions() throws MvccException {
        writeHistory();
        store.kv.compact(4);
        assertThrows(CompactedException.class, () -> store.kv.hash(3));
        assertThrows(FutureRevException.class, () -> store.kv.hash(8));
        assertEquals(4, store.kv.hash(4).rev());
    }

    @Test
    void eventsReplayHistoryInRevisionOrder() throws MvccException {
        writeHistory();
        List<String> seen = new ArrayList<>();
        store.kv.events(4, 100, event -> seen.add(describe(event)));
        assertEquals(List.of("PUT b@4", "PUT a@5", "DELETE b@6", "PUT c@7"), seen);
        seen.clear();
        store.kv.events(2, 7, event -> seen.add(describe(event)) && seen.size() < 2);
        assertEquals(List.of("PUT a@2", "PUT a@3"), seen, "the visitor stops the replay");
        store.kv.compact(5);
        assertThrows(CompactedException.class, () -> store.kv.events(4, 7, event -> true));
        seen.clear();
        store.kv.events(6, 6, event -> seen.add(describe(event)));
        assertEquals(List.of("DELETE b@6"), seen);
    }

    private static String describe(Event event) {
        return event.getType() + " " + event.getKv().getKey().toStringUtf8() + "@" + event.getKv().getModRevision();
    }
}
