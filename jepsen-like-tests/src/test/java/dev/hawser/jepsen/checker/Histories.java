package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;

import java.util.ArrayList;
import java.util.List;

/** A tiny DSL for hand-made register histories: times in ms, one event per call. */
final class Histories {
    private final List<Op> ops = new ArrayList<>();

    Histories invoke(long t, int p, String f, Long value, Long expected) {
        ops.add(new Op(ops.size(), p, Op.Type.INVOKE, f, "k", value, expected, null, t * 1_000_000, "n1", null));
        return this;
    }

    Histories complete(long t, int p, Op.Type type, String f, Long value) {
        ops.add(new Op(ops.size(), p, type, f, "k", value, null, null, t * 1_000_000, "n1", null));
        return this;
    }

    Histories write(long from, long to, int p, long v) {
        return invoke(from, p, "write", v, null).complete(to, p, Op.Type.OK, "write", v);
    }

    Histories read(long from, long to, int p, Long seen) {
        return invoke(from, p, "read", null, null).complete(to, p, Op.Type.OK, "read", seen);
    }

    List<Op> ops() {
        return ops;
    }
}
