package dev.hawser.kvstore.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.Event.EventType;
import dev.hawser.proto.mvccpb.KeyValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random histories against a deliberately naive model: a full copy of the key space for every revision. Small
 * key and lease spaces make keys collide, ranges overlap and leases move; reopening the store mid-history checks
 * that restore rebuilds exactly the same state.
 */
class KvStorePropertyTest {

    @Property(tries = 200)
    void storeBehavesLikeFullSnapshotModel(@ForAll("histories") List<Action> history) throws Exception {
        Path dir = Files.createTempDirectory("kvstore-property");
        try (Harness harness = new Harness(dir)) {
            for (Action action : history) {
                harness.run(action);
                harness.checkRevisionsAndLeases();
            }
            harness.checkEveryRetainedRevision();
        } finally {
            deleteRecursively(dir);
        }
    }

    // ---- the history language ----

    sealed interface Action permits Txn, Compact, Range, Reopen, Replay {
    }

    /** A write transaction; a single put or delete is a transaction of one operation. */
    record Txn(List<Op> ops) implements Action {
    }

    /** {@code pick} chooses a revision relative to the state when it runs. */
    record Compact(int pick) implements Action {
    }

    record Range(String key, String end, int revPick, int limit, boolean countOnly) implements Action {
    }

    record Reopen() implements Action {
    }

    record Replay(int pick) implements Action {
    }

    sealed interface Op permits Put, Delete, TxnRange {
    }

    record Put(String key, String value, long lease) implements Op {
    }

    record Delete(String key, String end) implements Op {
    }

    record TxnRange(String key, String end, int limit) implements Op {
    }

    @Provide
    Arbitrary<List<Action>> histories() {
        Arbitrary<String> keys = Arbitraries.of("a", "ab", "b", "c", "\u00e9");
        Arbitrary<String> starts = Arbitraries.of("a", "ab", "b", "c", "\u00e9", "\0");
        Arbitrary<String> ends = Arbitraries.of("", "", "\0", "a", "b", "bb", "c", "d", "\u00e9", "z");
        Arbitrary<String> values = Arbitraries.strings().alpha().ofMaxLength(3);
        Arbitrary<Long> leases = Arbitraries.frequency(Tuple.of(4, 0L), Tuple.of(1, 1L), Tuple.of(1, 2L));
        Arbitrary<Integer> picks = Arbitraries.integers().between(0, 10_000);
        Arbitrary<Integer> limits = Arbitraries.integers().between(0, 3);

        Arbitrary<Op> put = Combinators.combine(keys, values, leases).as(Put::new);
        Arbitrary<Op> delete = Combinators.combine(starts, ends).as(Delete::new);
        Arbitrary<Op> txnRange = Combinators.combine(starts, ends, limits).as(TxnRange::new);
        Arbitrary<Op> op = Arbitraries.frequencyOf(Tuple.of(4, put), Tuple.of(2, delete), Tuple.of(2, txnRange));

        Arbitrary<Action> single = Arbitraries.frequencyOf(Tuple.of(3, put), Tuple.of(1, delete)).map(o -> new Txn(List.of(o)));
        Arbitrary<Action> multi = op.list().ofMaxSize(5).map(Txn::new);
        Arbitrary<Action> compact = picks.map(Compact::new);
        Arbitrary<Action> range = Combinators.combine(starts, ends, picks, limits,
                Arbitraries.frequency(Tuple.of(4, false), Tuple.of(1, true))).as(Range::new);
        Arbitrary<Action> reopen = Arbitraries.just(new Reopen());
        Arbitrary<Action> replay = picks.map(Replay::new);
        return Arbitraries.frequencyOf(
                        Tuple.of(8, single), Tuple.of(3, multi), Tuple.of(1, compact), Tuple.of(5, range),
                        Tuple.of(1, reopen), Tuple.of(1, replay))
                .list().ofMinSize(1).ofMaxSize(40);
    }

    // ---- running a history against the store and the model side by side ----

    private static final class Harness implements AutoCloseable {
        private final OpenStore store;
        private final Model model = new Model();
        private final List<String> committed = new ArrayList<>();
        private RecordingAttacher attacher;

        Harness(Path dir) {
            // A compaction batch of 2 makes every compaction commit in several batches.
            store = new OpenStore(dir, 2);
            attach();
        }

        void run(Action action) throws Exception {
            if (action instanceof Txn txn) {
                runTxn(txn.ops());
            } else if (action instanceof Compact compact) {
                long rev = model.compactionTarget(compact.pick());
                assertEquals(model.compact(rev), outcome(() -> {
                    store.kv.compact(rev);
                    return null;
                }), "compact(" + rev + ")");
            } else if (action instanceof Range r) {
                long rev = model.readTarget(r.revPick());
                RangeOptions opts = new RangeOptions(r.limit(), rev, r.countOnly());
                assertEquals(model.range(r.key(), r.end(), opts), outcome(() -> store.range(r.key(), r.end(), opts)),
                        r + " at " + rev);
            } else if (action instanceof Reopen) {
                HashResult hash = store.kv.hash(0);
                store.reopen();
                attach();
                assertEquals(hash, store.kv.hash(0), "hash across reopen");
            } else if (action instanceof Replay replay) {
                long from = model.replayStart(replay.pick());
                List<Event> replayed = new ArrayList<>();
                Object outcome = outcome(() -> {
                    store.kv.events(from, Long.MAX_VALUE, replayed::add);
                    return replayed;
                });
                assertEquals(model.events(from), outcome, "events from " + from);
            }
        }

        private void runTxn(List<Op> ops) throws Exception {
            Model.Txn expected = model.begin();
            List<Event> changes;
            try (BatchTx batch = store.backend.newBatch(); TxnWrite txn = store.kv.write(batch)) {
                for (Op op : ops) {
                    if (op instanceof Put p) {
                        expected.put(p.key(), p.value(), p.lease());
                        txn.put(bs(p.key()), bs(p.value()), p.lease());
                    } else if (op instanceof Delete d) {
                        assertEquals(expected.delete(d.key(), d.end()), txn.deleteRange(bs(d.key()), bs(d.end())), op.toString());
                    } else if (op instanceof TxnRange r) {
                        RangeOptions opts = new RangeOptions(r.limit(), 0, false);
                        assertEquals(expected.range(r.key(), r.end(), opts), txn.range(bs(r.key()), bs(r.end()), opts),
                                "inside txn: " + op);
                    }
                    assertEquals(expected.events(), txn.changes());
                }
                changes = txn.changes();
            }
            expected.commit();
            if (!changes.isEmpty()) {
                assertEquals(model.rev() + ":" + changes, committed.get(committed.size() - 1), "commit listener");
            }
        }

        void checkRevisionsAndLeases() {
            assertEquals(model.rev(), store.kv.rev(), "rev");
            assertEquals(model.compactRev, store.kv.compactRev(), "compactRev");
            assertEquals(model.leases(), attacher.attached, "lease attachments");
            assertTrue(attacher.errors.isEmpty(), attacher.errors::toString);
        }

        void checkEveryRetainedRevision() throws MvccException {
            for (long rev = Math.max(1, model.compactRev); rev <= model.rev(); rev++) {
                RangeOptions opts = new RangeOptions(0, rev, false);
                assertEquals(model.range("\0", "\0", opts), store.range("\0", "\0", opts), "state at " + rev);
            }
        }

        private void attach() {
            attacher = new RecordingAttacher();
            store.kv.setLeaseAttacher(attacher);
            store.kv.setCommitListener((rev, events) -> committed.add(rev + ":" + events));
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /** Keeps what the lessor would: which lease each key is attached to. */
    private static final class RecordingAttacher implements LeaseAttacher {
        final Map<ByteString, Long> attached = new HashMap<>();
        final List<String> errors = new ArrayList<>();

        @Override
        public void attach(long lease, ByteString key) {
            if (attached.put(key, lease) != null) {
                errors.add("attach " + lease + " to already attached " + key.toStringUtf8());
            }
        }

        @Override
        public void detach(long lease, ByteString key) {
            if (!Objects.equals(attached.remove(key), lease)) {
                errors.add("detach " + lease + " from " + key.toStringUtf8() + " which was not attached to it");
            }
        }
    }

    // ---- the model ----

    /** etcd's semantics spelled out as plainly as possible: one immutable map per revision. */
    private static final class Model {
        private static final Comparator<ByteString> UNSIGNED =
                (a, b) -> Arrays.compareUnsigned(a.toByteArray(), b.toByteArray());
        private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

        /** Index = revision; revision 0 does not exist and revision 1 is the empty store. */
        private final List<NavigableMap<ByteString, KeyValue>> states = new ArrayList<>();
        private final List<List<Event>> eventsAt = new ArrayList<>();
        long compactRev;

        Model() {
            states.add(null);
            eventsAt.add(List.of());
            states.add(new TreeMap<>(UNSIGNED));
            eventsAt.add(List.of());
        }

        long rev() {
            return states.size() - 1;
        }

        Map<ByteString, Long> leases() {
            Map<ByteString, Long> leases = new HashMap<>();
            states.get((int) rev()).forEach((key, kv) -> {
                if (kv.getLease() != 0) {
                    leases.put(key, kv.getLease());
                }
            });
            return leases;
        }

        /** Mostly a valid revision above the compaction, sometimes anything from -1 to rev() + 1. */
        long compactionTarget(int pick) {
            if (pick % 4 == 0) {
                return pick / 4 % (rev() + 3) - 1;
            }
            return compactRev + 1 + pick / 4 % (rev() - compactRev + 1);
        }

        /** Mostly "current" (0), otherwise anything from -1 to rev() + 1. */
        long readTarget(int pick) {
            return pick % 3 == 0 ? 0 : pick / 3 % (rev() + 3) - 1;
        }

        /** Above the compaction revision, or (sometimes) below it. */
        long replayStart(int pick) {
            if (pick % 5 == 0 && compactRev > 0) {
                return compactRev - 1;
            }
            return compactRev + 1 + pick / 5 % (rev() - compactRev + 1);
        }

        Object compact(long rev) {
            if (rev <= compactRev) {
                return CompactedException.class;
            }
            if (rev > rev()) {
                return FutureRevException.class;
            }
            compactRev = rev;
            return null;
        }

        Object range(String key, String end, RangeOptions opts) {
            if (opts.rev() > rev()) {
                return FutureRevException.class;
            }
            long at = opts.rev() > 0 ? opts.rev() : rev();
            if (at < compactRev) {
                return CompactedException.class;
            }
            return select(states.get((int) at), key, end, opts, rev());
        }

        Object events(long from) {
            if (from < compactRev) {
                return CompactedException.class;
            }
            List<Event> events = new ArrayList<>();
            for (long rev = from; rev <= rev(); rev++) {
                events.addAll(eventsAt.get((int) rev));
            }
            return events;
        }

        Txn begin() {
            return new Txn();
        }

        static RangeResult select(NavigableMap<ByteString, KeyValue> state, String key, String end, RangeOptions opts,
                                  long rev) {
            List<KeyValue> all = state.values().stream().filter(kv -> inRange(kv.getKey(), bs(key), bs(end))).toList();
            if (opts.countOnly()) {
                return new RangeResult(List.of(), rev, all.size());
            }
            List<KeyValue> kvs = opts.limit() > 0 && all.size() > opts.limit() ? all.subList(0, (int) opts.limit()) : all;
            return new RangeResult(kvs, rev, all.size());
        }

        static boolean inRange(ByteString candidate, ByteString key, ByteString end) {
            if (end.isEmpty()) {
                return candidate.equals(key);
            }
            if (end.equals(ZERO)) {
                return UNSIGNED.compare(candidate, key) >= 0;
            }
            return UNSIGNED.compare(candidate, key) >= 0 && UNSIGNED.compare(candidate, end) < 0;
        }

        /** A write transaction on a copy of the newest state. */
        final class Txn {
            private final long next = rev() + 1;
            private final NavigableMap<ByteString, KeyValue> working = new TreeMap<>(states.get((int) rev()));
            private final List<Event> events = new ArrayList<>();

            void put(String key, String value, long lease) {
                KeyValue previous = working.get(bs(key));
                KeyValue kv = KeyValue.newBuilder().setKey(bs(key)).setValue(bs(value))
                        .setCreateRevision(previous == null ? next : previous.getCreateRevision())
                        .setModRevision(next)
                        .setVersion(previous == null ? 1 : previous.getVersion() + 1)
                        .setLease(lease)
                        .build();
                working.put(kv.getKey(), kv);
                events.add(Event.newBuilder().setType(EventType.PUT).setKv(kv).build());
            }

            long delete(String key, String end) {
                List<ByteString> doomed = working.keySet().stream().filter(k -> inRange(k, bs(key), bs(end))).toList();
                for (ByteString k : doomed) {
                    working.remove(k);
                    events.add(Event.newBuilder().setType(EventType.DELETE)
                            .setKv(KeyValue.newBuilder().setKey(k).setModRevision(next)).build());
                }
                return doomed.size();
            }

            RangeResult range(String key, String end, RangeOptions opts) {
                return select(working, key, end, opts, events.isEmpty() ? rev() : next);
            }

            List<Event> events() {
                return events;
            }

            void commit() {
                if (!events.isEmpty()) {
                    states.add(working);
                    eventsAt.add(List.copyOf(events));
                }
            }
        }
    }

    // ---- helpers ----

    private interface Call {
        Object run() throws Exception;
    }

    /** The call's result, or the class of the {@link MvccException} it threw. */
    private static Object outcome(Call call) throws Exception {
        try {
            return call.run();
        } catch (MvccException e) {
            return e.getClass();
        }
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
