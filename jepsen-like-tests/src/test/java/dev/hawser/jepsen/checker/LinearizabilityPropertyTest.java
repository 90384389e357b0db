package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Histories generated from a sequential run of the register (each op takes effect at a point
 * inside its [invoke, complete] interval; intervals of different processes overlap) are always
 * linearizable; the same history with one read's result changed to a value the register never
 * held at any point that read could be linearized at is always rejected.
 */
class LinearizabilityPropertyTest {

    private record Gen(List<Op> ops, List<long[]> reads) {
    }

    /**
     * Simulates {@code n} ops on {@code lanes} sequential clients. Each op takes effect at a
     * globally increasing instant inside its [invoke, complete] interval. A lane whose op ended
     * in INFO continues under a fresh process id, as the real clients do.
     */
    private static Gen generate(long seed, int n, int lanes) {
        Random r = new Random(seed);
        long[] busyUntil = new long[lanes];
        int[] process = new int[lanes];
        for (int i = 0; i < lanes; i++) {
            process[i] = i;
        }
        int nextProcess = lanes;
        List<Op> events = new ArrayList<>();
        List<long[]> reads = new ArrayList<>();
        Long state = null;
        long t = 10;
        long value = 0;
        for (int i = 0; i < n; i++) {
            int lane = r.nextInt(lanes);
            int p = process[lane];
            long effect = Math.max(t, busyUntil[lane] + 2) + r.nextInt(3);
            t = effect + 1;
            long inv = Math.max(busyUntil[lane] + 1, effect - 1 - r.nextInt(20));
            long ret = effect + 1 + r.nextInt(20);
            busyUntil[lane] = ret;
            int kind = r.nextInt(10);
            if (kind < 5) {
                events.add(new Op(0, p, Op.Type.INVOKE, "read", "k", null, null, null, inv, "n", null));
                events.add(new Op(0, p, Op.Type.OK, "read", "k", state, null, null, ret, "n", null));
                reads.add(new long[] {inv, ret});
            } else if (kind < 8 || state == null) {
                long v = ++value;
                boolean info = r.nextInt(10) == 0;
                events.add(new Op(0, p, Op.Type.INVOKE, "write", "k", v, null, null, inv, "n", null));
                events.add(new Op(0, p, info ? Op.Type.INFO : Op.Type.OK, "write", "k", v, null, null, ret, "n", null));
                state = v;
                if (info) {
                    process[lane] = nextProcess++;
                }
            } else {
                long v = ++value;
                events.add(new Op(0, p, Op.Type.INVOKE, "cas", "k", v, state, null, inv, "n", null));
                events.add(new Op(0, p, Op.Type.OK, "cas", "k", v, null, null, ret, "n", null));
                state = v;
            }
        }
        events.sort((a, b) -> Long.compare(a.nanos(), b.nanos()));
        List<Op> indexed = new ArrayList<>();
        for (Op op : events) {
            indexed.add(op.withIndex(indexed.size()));
        }
        return new Gen(indexed, reads);
    }

    @Property(tries = 200)
    void historiesFromTheSequentialModelAreLinearizable(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
                                                        @ForAll @IntRange(min = 1, max = 60) int n,
                                                        @ForAll @IntRange(min = 1, max = 4) int procs) {
        Gen g = generate(seed, n, procs);
        CheckResult r = new Linearizability<>(new RegisterModel(), 5_000, 1_000_000).checkPartition("p", "k", sanitize(g.ops()));
        assertEquals(CheckResult.Verdict.OK, r.verdict(), () -> r + "\n" + g.ops());
    }

    @Property(tries = 200)
    void aReadOfANeverWrittenValueIsAlwaysCaught(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
                                                 @ForAll @IntRange(min = 2, max = 60) int n,
                                                 @ForAll @IntRange(min = 1, max = 4) int procs) {
        Gen g = generate(seed, n, procs);
        List<Op> ops = new ArrayList<>(sanitize(g.ops()));
        int target = -1;
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i).f().equals("read") && ops.get(i).type() == Op.Type.OK) {
                target = i;
            }
        }
        if (target < 0) {
            return;
        }
        Op o = ops.get(target);
        ops.set(target, new Op(o.index(), o.process(), o.type(), o.f(), o.key(), -42L, null, null, o.nanos(), o.node(), null));
        CheckResult r = new Linearizability<>(new RegisterModel(), 5_000, 1_000_000).checkPartition("p", "k", ops);
        assertEquals(CheckResult.Verdict.ILLEGAL, r.verdict(), () -> r + "\n" + ops);
    }

    @Property(tries = 100)
    void aStaleReadAfterANewerAcknowledgedWriteIsCaught(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
                                                        @ForAll @IntRange(min = 1, max = 40) int n) {
        Gen g = generate(seed, n, 3);
        List<Op> ops = new ArrayList<>(sanitize(g.ops()));
        long end = ops.isEmpty() ? 0 : ops.get(ops.size() - 1).nanos();
        int p = 1000;
        // two acknowledged writes strictly after everything, then a read of the older one
        ops.add(new Op(ops.size(), p, Op.Type.INVOKE, "write", "k", 9001L, null, null, end + 10, "n", null));
        ops.add(new Op(ops.size(), p, Op.Type.OK, "write", "k", 9001L, null, null, end + 11, "n", null));
        ops.add(new Op(ops.size(), p, Op.Type.INVOKE, "write", "k", 9002L, null, null, end + 12, "n", null));
        ops.add(new Op(ops.size(), p, Op.Type.OK, "write", "k", 9002L, null, null, end + 13, "n", null));
        ops.add(new Op(ops.size(), p + 1, Op.Type.INVOKE, "read", "k", null, null, null, end + 14, "n", null));
        ops.add(new Op(ops.size(), p + 1, Op.Type.OK, "read", "k", 9001L, null, null, end + 15, "n", null));
        CheckResult r = new Linearizability<>(new RegisterModel(), 5_000, 1_000_000).checkPartition("p", "k", ops);
        assertEquals(CheckResult.Verdict.ILLEGAL, r.verdict());
    }

    private static List<Op> sanitize(List<Op> ops) {
        return ops;
    }
}
