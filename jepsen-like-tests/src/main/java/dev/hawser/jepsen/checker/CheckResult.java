package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;

import java.util.List;

/**
 * A checker's verdict. {@code UNKNOWN} means the search hit its time or size bound; like etcd's
 * robustness suite, callers treat it as a failure to prove correctness, never as a pass.
 *
 * @param verdict    the outcome
 * @param checker    which check produced it
 * @param partition  the key (or watcher, ...) the verdict is about
 * @param message    a one-line explanation
 * @param subHistory for ILLEGAL, a small sub-history that is itself illegal (the evidence)
 */
public record CheckResult(Verdict verdict, String checker, String partition, String message, List<Op> subHistory) {
    public enum Verdict { OK, ILLEGAL, UNKNOWN }

    public static CheckResult ok(String checker, String partition, String message) {
        return new CheckResult(Verdict.OK, checker, partition, message, List.of());
    }

    public static CheckResult illegal(String checker, String partition, String message, List<Op> evidence) {
        return new CheckResult(Verdict.ILLEGAL, checker, partition, message, List.copyOf(evidence));
    }

    public static CheckResult unknown(String checker, String partition, String message) {
        return new CheckResult(Verdict.UNKNOWN, checker, partition, message, List.of());
    }

    public boolean isOk() {
        return verdict == Verdict.OK;
    }
}
