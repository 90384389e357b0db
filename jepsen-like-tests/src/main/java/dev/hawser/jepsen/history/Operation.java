package dev.hawser.jepsen.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An invocation paired with its completion. An operation with no completion, or with an
 * {@code INFO} completion, is indeterminate: its return time is treated as infinite.
 */
public record Operation(int id, Op invoke, Op completion) {

    public boolean indeterminate() {
        return completion == null || completion.type() == Op.Type.INFO;
    }

    public long callNanos() {
        return invoke.nanos();
    }

    public long returnNanos() {
        return indeterminate() ? Long.MAX_VALUE : completion.nanos();
    }

    /** Pairs invocations with completions by process, in history order. */
    public static List<Operation> pair(List<Op> history) {
        Map<Integer, Op> open = new HashMap<>();
        List<Op[]> pairs = new ArrayList<>();
        Map<Integer, Op[]> byProcess = new HashMap<>();
        for (Op op : history) {
            if (op.isInvoke()) {
                if (open.containsKey(op.process())) {
                    throw new IllegalArgumentException("process " + op.process() + " invoked twice without completing: " + op);
                }
                open.put(op.process(), op);
                Op[] p = {op, null};
                pairs.add(p);
                byProcess.put(op.process(), p);
            } else {
                Op inv = open.remove(op.process());
                if (inv == null) {
                    throw new IllegalArgumentException("completion without invocation: " + op);
                }
                byProcess.remove(op.process())[1] = op;
            }
        }
        List<Operation> out = new ArrayList<>();
        for (Op[] p : pairs) {
            out.add(new Operation(out.size(), p[0], p[1]));
        }
        return out;
    }

    /** The events of these operations, in time order, for reports. */
    public static List<Op> events(List<Operation> ops) {
        List<Op> out = new ArrayList<>();
        for (Operation o : ops) {
            out.add(o.invoke);
            if (o.completion != null) {
                out.add(o.completion);
            }
        }
        out.sort((a, b) -> a.index() != b.index() ? Integer.compare(a.index(), b.index()) : Long.compare(a.nanos(), b.nanos()));
        return out;
    }
}
