package dev.hawser.jepsen.history;

import java.util.List;

/**
 * One event of a client history, as Jepsen records it: every operation appears once as
 * {@link Type#INVOKE} and once more as {@link Type#OK}, {@link Type#FAIL} or {@link Type#INFO}.
 *
 * <p>{@code OK} means the effect happened (and {@code value} holds what a read saw); {@code FAIL}
 * means it certainly did not happen (a failed compare, an etcd error that rules out an effect);
 * {@code INFO} means unknown: the request may or may not have taken effect, at any later time.
 * A process that got {@code INFO} never issues another operation (the client moves to a fresh
 * process id), so pairing invocations with completions by process is unambiguous.
 *
 * @param index    position in the whole history
 * @param process  logical client process
 * @param type     invoke or one of the completions
 * @param f        operation name: read, write, cas, add, acquire, fenced-write, ...
 * @param key      the key the operation is about (the checker's partition), may be null
 * @param value    the written value, or on a read completion the value seen (null = absent)
 * @param expected for a compare-and-set, the value compared against
 * @param values   multi-valued results (a set read), else null
 * @param nanos    monotonic time relative to the start of the run
 * @param node     the member the request went to
 * @param error    for FAIL and INFO, why
 */
public record Op(int index, int process, Type type, String f, String key, Long value, Long expected,
                 List<Long> values, long nanos, String node, String error) {

    public enum Type { INVOKE, OK, FAIL, INFO }

    public boolean isInvoke() {
        return type == Type.INVOKE;
    }

    public Op withIndex(int i) {
        return new Op(i, process, type, f, key, value, expected, values, nanos, node, error);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%6d p%-3d %-6s %-12s", nanos / 1_000_000, process, type.name().toLowerCase(), f));
        if (key != null) {
            b.append(' ').append(key);
        }
        if (expected != null) {
            b.append(' ').append(expected).append("->");
        } else {
            b.append(' ');
        }
        b.append(value == null ? "nil" : value.toString());
        if (values != null) {
            b.append(" [").append(values.size()).append(" values]");
        }
        if (node != null) {
            b.append(" @").append(node);
        }
        if (error != null) {
            b.append(" (").append(error).append(')');
        }
        return b.toString();
    }
}
