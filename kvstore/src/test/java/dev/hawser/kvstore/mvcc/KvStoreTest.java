package dev.hawser.kvstore.mvcc;

import static dev.hawser.kvstore.mvcc.OpenStore.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.MetaKeys;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.Event.EventType;
import dev.hawser.proto.mvccpb.KeyValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvStoreTest {
    @TempDir
    Path dir;
    private OpenStore store;

    @BeforeEach
    void open() {
        store = new OpenStore(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void emptyStoreIsAtRevisionOneAndNeverCompacted() throws MvccException {
        assertEquals(1, store.kv.rev());
        assertEquals(0, store.kv.compactRev());
        RangeResult all = store.range("\0", "\0", RangeOptions.ALL);
        assertEquals(new RangeResult(List.of(), 1, 0), all);
    }

    @Test
    void putCreatesKeyAtNextRevisionWithVersionOne() throws MvccException {
        assertEquals(2, store.put("foo", "bar", 7));
        assertEquals(kv("foo", "bar", 2, 2, 1, 7), store.get("foo"));
    }

    @Test
    void putOnExistingKeyKeepsCreateRevisionAndIncrementsVersion() throws MvccException {
        store.put("foo", "v1");
        store.put("other", "x");
        store.put("foo", "v2");
        assertEquals(kv("foo", "v2", 2, 4, 2, 0), store.get("foo"));
    }

    @Test
    void putThenDeleteResetsVersion() throws MvccException {
        store.put("foo", "v1");
        store.put("foo", "v2");
        assertEquals(1, store.delete("foo", ""));
        assertNull(store.get("foo"));
        store.put("foo", "again");
        assertEquals(kv("foo", "again", 5, 5, 1, 0), store.get("foo"), "re-created key starts over");
    }

    @Test
    void operationsInOneTxnShareOneRevisionWithSubRevisions() throws MvccException {
        store.put("c", "old");
        List<Event> events;
        try (BatchTx batch = store.backend.newBatch(); TxnWrite txn = store.kv.write(batch)) {
            txn.put(bs("a"), bs("1"), 0);
            txn.put(bs("b"), bs("2"), 0);
            txn.deleteRange(bs("c"), bs(""));
            events = txn.changes();
        }
        assertEquals(3, store.kv.rev());
        assertEquals(List.of("2.0", "3.0", "3.1", "3.2t"), store.records());
        assertEquals(List.of(put(kv("a", "1", 3, 3, 1, 0)), put(kv("b", "2", 3, 3, 1, 0)), delete("c", 3)), events);
    }

    @Test
    void txnWithoutChangesKeepsRevisionButCommitsCallersBatch() {
        store.put("a", "1");
        try (BatchTx batch = store.backend.newBatch(); TxnWrite txn = store.kv.write(batch)) {
            MetaKeys.CONSISTENT_INDEX.writeLong(batch, 42);
            assertEquals(0, txn.deleteRange(bs("x"), bs("")), "deleting nothing is not a change");
            assertTrue(txn.changes().isEmpty());
        }
        assertEquals(2, store.kv.rev());
        assertEquals(42, MetaKeys.CONSISTENT_INDEX.readLong(store.backend));
    }

    @Test
    void rangeSelectsKeysAsEtcdEncodesThem() throws MvccException {
        for (String key : List.of("a", "b", "ba", "c", "\u00e9")) {
            store.put(key, key);
        }
        assertEquals(List.of("b"), keys("b", ""), "empty end: just the key");
        assertEquals(List.of("b", "ba"), keys("b", "c"), "[key, end)");
        assertEquals(List.of("c", "\u00e9"), keys("c", "\0"), "end \\0: every key from key on");
        assertEquals(List.of("a", "b", "ba", "c", "\u00e9"), keys("\0", "\0"), "key and end \\0: every key");
        assertEquals(List.of(), keys("c", "b"), "end before key: nothing");
        assertEquals(List.of(), keys("c", "c"), "end equal to key: nothing");
        assertEquals(List.of(), keys("bb", ""));
    }

    @Test
    void limitCapsKeysButNotCount() throws MvccException {
        for (String key : List.of("a", "b", "c", "d")) {
            store.put(key, key);
        }
        RangeResult limited = store.range("a", "\0", new RangeOptions(2, 0, false));
        assertEquals(List.of("a", "b"), keysOf(limited));
        assertEquals(4, limited.count());
        RangeResult counted = store.range("b", "\0", new RangeOptions(0, 0, true));
        assertEquals(new RangeResult(List.of(), 5, 3), counted);
    }

    @Test
    void rangeAtOldRevisionSeesOldStateAndReportsCurrentRevision() throws MvccException {
        store.put("a", "v1");
        store.put("a", "v2");
        store.put("b", "x");
        store.delete("a", "");
        RangeResult atThree = store.range("\0", "\0", new RangeOptions(0, 3, false));
        assertEquals(List.of(kv("a", "v2", 2, 3, 2, 0)), atThree.kvs());
        assertEquals(5, atThree.rev(), "etcd's header revision is the current one, even for old reads");
        assertEquals(List.of("b"), keysOf(store.range("\0", "\0", RangeOptions.ALL)));
        assertEquals(0, store.range("a", "", new RangeOptions(0, 1, false)).count());
    }

    @Test
    void rangeAboveCurrentRevisionFailsWithFutureRev() {
        store.put("a", "1");
        MvccException e = assertThrows(FutureRevException.class,
                () -> store.range("a", "", new RangeOptions(0, 3, false)));
        assertEquals("mvcc: required revision is a future revision", e.getMessage());
    }

    @Test
    void rangeBelowCompactRevisionFailsWithCompactedButAtItSucceeds() throws MvccException {
        store.put("a", "1");
        store.put("a", "2");
        store.put("a", "3");
        store.kv.compact(3);
        MvccException e = assertThrows(CompactedException.class,
                () -> store.range("a", "", new RangeOptions(0, 2, false)));
        assertEquals("mvcc: required revision has been compacted", e.getMessage());
        assertEquals("2", store.range("a", "", new RangeOptions(0, 3, false)).kvs().get(0).getValue()
                .toStringUtf8());
    }

    @Test
    void txnRangeSeesItsOwnEarlierWrites() throws MvccException {
        store.put("a", "old");
        store.put("gone", "x");
        try (BatchTx batch = store.backend.newBatch(); TxnWrite txn = store.kv.write(batch)) {
            assertEquals(3, txn.rev());
            txn.put(bs("a"), bs("new"), 0);
            txn.put(bs("b"), bs("fresh"), 0);
            txn.deleteRange(bs("gone"), bs(""));
            assertEquals(4, txn.rev(), "a changed txn reads at the revision it will commit");
            RangeResult inside = txn.range(bs("\0"), bs("\0"), RangeOptions.ALL);
            assertEquals(List.of(kv("a", "new", 2, 4, 2, 0), kv("b", "fresh", 4, 4, 1, 0)), inside.kvs());
            assertEquals(4, inside.rev());
            assertEquals(List.of(kv("a", "old", 2, 2, 1, 0)),
                    txn.range(bs("a"), bs(""), new RangeOptions(0, 3, false)).kvs(), "older revisions still work");
            assertEquals(3, store.kv.rev(), "not visible outside before close");
        }
        assertEquals(4, store.kv.rev());
    }

    @Test
    void putAfterDeleteInSameTxnRecreatesKey() throws MvccException {
        store.put("k", "v1", 5);
        try (BatchTx batch = store.backend.newBatch(); TxnWrite txn = store.kv.write(batch)) {
            txn.deleteRange(bs("k"), bs(""));
            txn.put(bs("k"), bs("v2"), 0);
            txn.put(bs("k"), bs("v3"), 0);
            assertEquals(List.of(delete("k", 3), put(kv("k", "v2", 3, 3, 1, 0)), put(kv("k", "v3", 3, 3, 2, 0))),
                    txn.changes());
        }
        assertEquals(kv("k", "v3", 3, 3, 2, 0), store.get("k"));
        store.reopen();
        assertEquals(kv("k", "v3", 3, 3, 2, 0), store.get("k"), "restore replays sub revisions in order");
    }

    @Test
    void deleteRangeWithZeroEndDeletesFromKeyAndAllKeys() throws MvccException {
        for (String key : List.of("a", "b", "c")) {
            store.put(key, key);
        }
        assertEquals(2, store.delete("b", "\0"));
        assertEquals(List.of("a"), keys("\0", "\0"));
        store.put("z", "z");
        assertEquals(2, store.delete("\0", "\0"));
        assertEquals(List.of(), keys("\0", "\0"));
        assertEquals(0, store.delete("\0", "\0"));
        assertEquals(7, store.kv.rev());
    }

    @Test
    void deleteEventCarriesOnlyKeyAndDeleteRevision() {
        store.put("k", "v", 9);
        List<Event> events;
        try (BatchTx batch = store.backend.newBatch(); TxnWrite txn = store.kv.write(batch)) {
            txn.deleteRange(bs("k"), bs(""));
            events = txn.changes();
        }
        assertEquals(List.of(Event.newBuilder().setType(EventType.DELETE)
                .setKv(KeyValue.newBuilder().setKey(bs("k")).setModRevision(3)).build()), events);
        assertFalse(events.get(0).hasPrevKv());
    }

    @Test
    void commitListenerRunsBeforeRevisionIsVisible() {
        List<String> seen = new ArrayList<>();
        store.kv.setCommitListener((rev, events) ->
                seen.add(rev + ":" + events.size() + " visible=" + store.kv.rev()));
        store.put("a", "1");
        store.delete("nothing", "");
        store.delete("a", "");
        assertEquals(List.of("2:1 visible=1", "3:1 visible=2"), seen);
    }

    @Test
    void leaseAttacherFollowsLeaseChangesAndDeletes() {
        List<String> calls = new ArrayList<>();
        store.kv.setLeaseAttacher(recording(calls));
        store.put("k", "v", 5);
        store.put("k", "v", 5);
        store.put("k", "v", 6);
        store.put("k", "v", 0);
        store.put("k", "v", 7);
        store.delete("k", "");
        assertEquals(List.of("attach 5 k", "detach 5 k", "attach 6 k", "detach 6 k", "attach 7 k", "detach 7 k"),
                calls);
    }

    @Test
    void settingLeaseAttacherReportsAttachmentsRestoredFromDisk() {
        store.put("a", "1", 5);
        store.put("b", "1", 6);
        store.put("b", "2", 0);
        store.put("c", "1", 7);
        store.delete("c", "");
        store.reopen();
        List<String> calls = new ArrayList<>();
        store.kv.setLeaseAttacher(recording(calls));
        assertEquals(List.of("attach 5 a"), calls);
    }

    @Test
    void readViewKeepsItsRevisionWhileWritesContinue() throws MvccException {
        store.put("a", "1");
        try (TxnRead view = store.kv.read()) {
            store.put("a", "2");
            store.put("b", "1");
            assertEquals(2, view.rev());
            RangeResult result = view.range(bs("\0"), bs("\0"), RangeOptions.ALL);
            assertEquals(List.of(kv("a", "1", 2, 2, 1, 0)), result.kvs());
            assertEquals(2, result.rev());
            assertThrows(FutureRevException.class, () -> view.range(bs("a"), bs(""), new RangeOptions(0, 3, false)));
        }
    }

    @Test
    void readViewStillReadsAfterCompactionAtItsRevision() throws MvccException {
        store.put("a", "1");
        store.put("a", "2");
        try (TxnRead view = store.kv.read()) {
            store.put("a", "3");
            store.kv.compact(4);
            assertEquals(4, view.firstRev());
            assertThrows(CompactedException.class, () -> view.range(bs("a"), bs(""), RangeOptions.ALL),
                    "its revision is now below the compaction");
        }
        store.put("a", "4");
        try (TxnRead view = store.kv.read()) {
            store.put("a", "5");
            store.kv.compact(5);
            assertEquals("4", view.range(bs("a"), bs(""), RangeOptions.ALL).kvs().get(0).getValue().toStringUtf8(),
                    "a compaction at the view's own revision keeps what it reads");
        }
    }

    @Test
    void stateAndRevisionsSurviveReopen() throws MvccException {
        store.put("a", "1", 3);
        store.put("b", "1");
        store.put("a", "2", 3);
        store.delete("b", "");
        store.reopen();
        assertEquals(5, store.kv.rev());
        assertEquals(kv("a", "2", 2, 4, 2, 3), store.get("a"));
        assertNull(store.get("b"));
        assertEquals(List.of(kv("b", "1", 3, 3, 1, 0)), store.range("b", "", new RangeOptions(0, 4, false)).kvs());
        assertEquals(6, store.put("b", "again"));
        assertEquals(kv("b", "again", 6, 6, 1, 0), store.get("b"));
    }

    @Test
    void concurrentReadersAlwaysSeeWholeTransactions() throws Exception {
        // Every txn moves one unit between two keys, so any consistent view sums to the same total.
        store.put("x", "0");
        store.put("y", "0");
        AtomicLong violations = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        Thread[] readers = new Thread[2];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try (TxnRead view = store.kv.read()) {
                        List<KeyValue> kvs = view.range(bs("x"), bs("z"), RangeOptions.ALL).kvs();
                        long sum = Long.parseLong(kvs.get(0).getValue().toStringUtf8())
                                + Long.parseLong(kvs.get(1).getValue().toStringUtf8());
                        if (sum != 0 || kvs.get(0).getModRevision() > view.rev()) {
                            violations.incrementAndGet();
                        }
                        reads.incrementAndGet();
                    } catch (CompactedException e) {
                        // The writer compacted past this view between read() and range(): allowed, retry.
                    } catch (MvccException e) {
                        violations.incrementAndGet();
                    }
                }
            });
            readers[i].start();
        }
        for (int i = 1; i <= 300; i++) {
            try (BatchTx batch = store.backend.newBatch(); TxnWrite txn = store.kv.write(batch)) {
                txn.put(bs("x"), bs(Integer.toString(i)), 0);
                txn.put(bs("y"), bs(Integer.toString(-i)), 0);
            }
            if (i % 100 == 0) {
                store.kv.compact(store.kv.rev() - 1);
            }
        }
        for (Thread reader : readers) {
            reader.interrupt();
            reader.join();
        }
        assertEquals(0, violations.get());
        assertTrue(reads.get() > 0);
    }

    private List<String> keys(String key, String end) throws MvccException {
        return keysOf(store.range(key, end, RangeOptions.ALL));
    }

    private static List<String> keysOf(RangeResult result) {
        return result.kvs().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }

    static KeyValue kv(String key, String value, long create, long mod, long version, long lease) {
        return KeyValue.newBuilder().setKey(bs(key)).setValue(bs(value)).setCreateRevision(create)
                .setModRevision(mod).setVersion(version).setLease(lease).build();
    }

    private static Event put(KeyValue kv) {
        return Event.newBuilder().setType(EventType.PUT).setKv(kv).build();
    }

    private static Event delete(String key, long rev) {
        return Event.newBuilder().setType(EventType.DELETE)
                .setKv(KeyValue.newBuilder().setKey(bs(key)).setModRevision(rev)).build();
    }

    private static LeaseAttacher recording(List<String> calls) {
        return new LeaseAttacher() {
            @Override
            public void attach(long lease, com.google.protobuf.ByteString key) {
                calls.add("attach " + lease + " " + key.toStringUtf8());
            }

            @Override
            public void detach(long lease, com.google.protobuf.ByteString key) {
                calls.add("detach " + lease + " " + key.toStringUtf8());
            }
        };
    }
}
