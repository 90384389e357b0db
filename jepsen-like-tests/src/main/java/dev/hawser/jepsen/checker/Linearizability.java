package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.Operation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Wing–Gong–Lowe linearizability search with Porcupine's memoization on (linearized set, state),
 * applied per partition (P-compositionality: per-key registers are independent objects).
 *
 * <p>Every operation contributes a call and a return event on one time line; indeterminate
 * operations return at +infinity. The search walks the event list: at a call it tries to
 * linearize that operation now (model step legal and (bitset, state) not seen before), lifting
 * its call and return out of the list; at a return whose operation is not yet linearized it
 * backtracks. The history is linearizable when the list empties. The search is bounded by a
 * deadline and a cache size, and reports {@link CheckResult.Verdict#UNKNOWN} instead of hanging.
 *
 * <p>For an illegal partition the result carries a shrunken sub-history: the shortest illegal
 * prefix (by invocation), then greedily every operation whose removal keeps it illegal.
 */
public final class Linearizability<S> {
    private final Model<S> model;
    private final long budgetNanos;
    private final int maxCache;

    public Linearizability(Model<S> model, long budgetMillis, int maxCache) {
        this.model = model;
        this.budgetNanos = budgetMillis * 1_000_000L;
        this.maxCache = maxCache;
    }

    /** Checks each partition of {@code history} (grouped by {@code partition}) independently. */
    public List<CheckResult> check(String checker, List<Op> history, Function<Op, String> partition) {
        Map<String, List<Op>> parts = new LinkedHashMap<>();
        for (Op op : history) {
            parts.computeIfAbsent(partition.apply(op), k -> new ArrayList<>()).add(op);
        }
        List<CheckResult> out = new ArrayList<>();
        parts.forEach((key, ops) -> out.add(checkPartition(checker, key, ops)));
        return out;
    }

    public CheckResult checkPartition(String checker, String partition, List<Op> history) {
        List<Operation> ops = prepare(Operation.pair(history));
        long deadline = System.nanoTime() + budgetNanos;
        Verdict v = search(ops, deadline);
        if (v == Verdict.OK) {
            return CheckResult.ok(checker, partition, ops.size() + " operations linearizable");
        }
        if (v == Verdict.UNKNOWN) {
            return CheckResult.unknown(checker, partition, "search bound reached after " + ops.size() + " operations");
        }
        List<Operation> minimal = shrink(ops, System.nanoTime() + budgetNanos);
        return CheckResult.illegal(checker, partition,
                "not linearizable; " + minimal.size() + " of " + ops.size() + " operations suffice", Operation.events(minimal));
    }

    /** Drops what cannot matter: FAIL operations (no effect) and droppable ones (indeterminate reads). */
    private List<Operation> prepare(List<Operation> ops) {
        List<Operation> kept = new ArrayList<>();
        for (Operation o : ops) {
            if (o.completion() != null && o.completion().type() == Op.Type.FAIL) {
                continue;
            }
            if (model.droppable(o)) {
                continue;
            }
            kept.add(o);
        }
        return kept;
    }

    enum Verdict { OK, ILLEGAL, UNKNOWN }

    private static final class Entry {
        final Operation op;
        final int id;
        final boolean call;
        Entry match;
        Entry prev;
        Entry next;

        Entry(Operation op, int id, boolean call) {
            this.op = op;
            this.id = id;
            this.call = call;
        }
    }

    private record CacheKey(BitSet linearized, Object state) {
    }

    private record Frame<S>(Entry entry, S state) {
    }

    Verdict search(List<Operation> ops, long deadline) {
        if (ops.isEmpty()) {
            return Verdict.OK;
        }
        record Ev(long t, int kind, Entry e) {
        }
        List<Ev> evs = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Entry c = new Entry(ops.get(i), i, true);
            Entry r = new Entry(ops.get(i), i, false);
            c.match = r;
            r.match = c;
            // At equal times calls sort first: the more permissive reading of a tie.
            evs.add(new Ev(ops.get(i).callNanos(), 0, c));
            evs.add(new Ev(ops.get(i).returnNanos(), 1, r));
        }
        evs.sort(Comparator.comparingLong(Ev::t).thenComparingInt(Ev::kind));
        Entry head = new Entry(null, -1, false);
        Entry last = head;
        for (Ev ev : evs) {
            last.next = ev.e;
            ev.e.prev = last;
            last = ev.e;
        }
        Set<CacheKey> cache = new HashSet<>();
        Deque<Frame<S>> calls = new ArrayDeque<>();
        BitSet linearized = new BitSet(ops.size());
        S state = model.init();
        Entry entry = head.next;
        long steps = 0;
        while (head.next != null) {
            if ((++steps & 0x3ff) == 0 && (System.nanoTime() > deadline || cache.size() > maxCache)) {
                return Verdict.UNKNOWN;
            }
            if (entry.call) {
                Optional<S> next = model.step(state, entry.op);
                boolean advanced = false;
                if (next.isPresent()) {
                    BitSet nl = (BitSet) linearized.clone();
                    nl.set(entry.id);
                    if (cache.add(new CacheKey(nl, next.get()))) {
                        calls.push(new Frame<>(entry, state));
                        state = next.get();
                        linearized.set(entry.id);
                        lift(entry);
                        entry = head.next;
                        advanced = true;
                    }
                }
                if (!advanced) {
                    entry = entry.next;
                }
            } else {
                if (calls.isEmpty()) {
                    return Verdict.ILLEGAL;
                }
                Frame<S> top = calls.pop();
                state = top.state;
                linearized.clear(top.entry.id);
                unlift(top.entry);
                entry = top.entry.next;
            }
        }
        return Verdict.OK;
    }

    private static void lift(Entry call) {
        call.prev.next = call.next;
        if (call.next != null) {
            call.next.prev = call.prev;
        }
        Entry ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    private static void unlift(Entry call) {
        Entry ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        if (call.next != null) {
            call.next.prev = call;
        }
    }

    /** Shortest illegal prefix by invocation, then greedy one-at-a-time removal while still illegal. */
    private List<Operation> shrink(List<Operation> ops, long deadline) {
        List<Operation> sorted = new ArrayList<>(ops);
        sorted.sort(Comparator.comparingLong(Operation::callNanos));
        int lo = 1;
        int hi = sorted.size();
        while (lo < hi && System.nanoTime() < deadline) {
            int mid = (lo + hi) / 2;
            if (search(sorted.subList(0, mid), deadline) == Verdict.ILLEGAL) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        List<Operation> current = new ArrayList<>(sorted.subList(0, hi));
        if (search(current, deadline) != Verdict.ILLEGAL) {
            return sorted;
        }
        for (int i = current.size() - 1; i >= 0 && System.nanoTime() < deadline; i--) {
            List<Operation> without = new ArrayList<>(current);
            without.remove(i);
            if (search(without, deadline) == Verdict.ILLEGAL) {
                current = without;
            }
        }
        return current;
    }
}
