package dev.hawser.kvstore.mvcc;

import static dev.hawser.kvstore.mvcc.OpenStore.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.MetaKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteGroupTest {
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
    void eachTransactionGetsItsOwnRevisionAndSeesTheEarlierOnes() throws MvccException {
        store.put("a", "old");
        List<String> seen = new ArrayList<>();
        try (BatchTx batch = store.backend.newBatch(); WriteGroup group = store.kv.writeGroup(batch)) {
            try (TxnWrite t = group.next()) {
                t.put(bs("a"), bs("1"), 0);
                t.put(bs("b"), bs("1"), 0);
            }
            try (TxnWrite t = group.next()) {
                assertEquals(3, t.rev(), "no change yet: the revision the first transaction made");
                seen.add(t.range(bs("a"), bs(""), RangeOptions.ALL).kvs().get(0).getValue().toStringUtf8());
                seen.add(t.range(bs("a"), bs(""), new RangeOptions(0, 2, false)).kvs().get(0).getValue()
                        .toStringUtf8());
                t.put(bs("a"), bs("2"), 0);
                seen.add(String.valueOf(t.range(bs("a"), bs("c"), RangeOptions.ALL).kvs().stream()
                        .map(kv -> kv.getKey().toStringUtf8() + "=" + kv.getValue().toStringUtf8()).toList()));
            }
            try (TxnWrite t = group.next()) {
                assertEquals(0, t.deleteRange(bs("x"), bs("")), "a transaction without changes");
            }
            try (TxnWrite t = group.next()) {
                t.deleteRange(bs("b"), bs(""));
            }
            assertEquals(5, group.rev());
        }
        assertEquals(List.of("1", "old", "[a=2, b=1]"), seen);
        assertEquals(5, store.kv.rev());
        assertEquals(List.of("2.0", "3.0", "3.1", "4.0", "5.0t"), store.records());
        assertEquals(3, store.get("a").getVersion());
        assertNull(store.get("b"));
    }

    @Test
    void revisionsBecomeVisibleOnlyWhenTheGroupCloses() throws MvccException {
        List<Long> notified = new ArrayList<>();
        List<Long> visibleWhenNotified = new ArrayList<>();
        store.kv.setCommitListener((rev, events) -> {
            notified.add(rev);
            visibleWhenNotified.add(store.kv.rev());
        });
        try (BatchTx batch = store.backend.newBatch(); WriteGroup group = store.kv.writeGroup(batch)) {
            MetaKeys.CONSISTENT_INDEX.writeLong(batch, 9);
            try (TxnWrite t = group.next()) {
                t.put(bs("a"), bs("1"), 0);
            }
            try (TxnWrite t = group.next()) {
                t.put(bs("b"), bs("1"), 0);
            }
            assertEquals(1, store.kv.rev());
            assertEquals(List.of(), notified);
            assertNull(store.get("a"), "a reader at the published revision does not see the group");
            assertEquals(0, MetaKeys.CONSISTENT_INDEX.readLong(store.backend), "nothing is on disk yet");
        }
        assertEquals(List.of(2L, 3L), notified);
        assertEquals(List.of(1L, 2L), visibleWhenNotified, "each revision is notified before it is published");
        assertEquals(3, store.kv.rev());
        assertEquals(9, MetaKeys.CONSISTENT_INDEX.readLong(store.backend));
    }

    @Test
    void abandonedGroupCommitsNothingAndStopsFurtherWrites() throws MvccException {
        store.put("a", "1");
        try (BatchTx batch = store.backend.newBatch()) {
            WriteGroup group = store.kv.writeGroup(batch);
            try (TxnWrite t = group.next()) {
                t.put(bs("a"), bs("2"), 0);
            }
            group.abandon();
            group.close();
        }
        assertEquals(2, store.kv.rev());
        assertEquals(List.of("2.0"), store.records());
        assertThrows(IllegalStateException.class, () -> store.put("b", "1"));
    }

    @Test
    void nextRefusesWhileTheOpenTransactionIsNotClosed() {
        try (BatchTx batch = store.backend.newBatch(); WriteGroup group = store.kv.writeGroup(batch)) {
            group.next();
            assertThrows(IllegalStateException.class, group::next);
        }
        assertEquals(1, store.kv.rev());
    }
}
