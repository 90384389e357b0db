package dev.hawser.jepsen.history;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A thread-safe, append-only recorder of {@link Op}s shared by all clients of one workload.
 * Times come from one monotonic clock so invocations and completions of different clients
 * are ordered correctly for the real-time part of linearizability.
 */
public final class History {
    private final List<Op> ops = new ArrayList<>();
    private final LongSupplier clock;

    public History(LongSupplier clock) {
        this.clock = clock;
    }

    public static History fromOps(List<Op> ops) {
        History h = new History(() -> 0L);
        ops.forEach(h::append);
        return h;
    }

    public synchronized Op invoke(int process, String f, String key, Long value, Long expected, String node) {
        return append(new Op(0, process, Op.Type.INVOKE, f, key, value, expected, null, clock.getAsLong(), node, null));
    }

    /** Records the completion of {@code invoke}: type, the value seen (reads) and an error text. */
    public synchronized Op complete(Op invoke, Op.Type type, Long value, List<Long> values, String error) {
        Long v = invoke.f().equals("read") || invoke.f().equals("acquire") ? value : (value != null ? value : invoke.value());
        return append(new Op(0, invoke.process(), type, invoke.f(), invoke.key(), v, invoke.expected(),
                values == null ? null : List.copyOf(values), clock.getAsLong(), invoke.node(), error));
    }

    public synchronized Op append(Op op) {
        Op indexed = op.withIndex(ops.size());
        ops.add(indexed);
        return indexed;
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }
}
