package dev.hawser.jepsen.workload;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.WatchEvent;

import java.util.List;
import java.util.Set;

/**
 * A client workload: starts its worker threads, stops them, does its final reads on the healed
 * cluster, then checks its history. {@code reference} is the committed event history.
 */
public interface Workload {
    String name();

    void start(RunContext ctx);

    void stop() throws InterruptedException;

    default void finish(RunContext ctx) throws InterruptedException {
    }

    List<CheckResult> check(List<WatchEvent> reference);

    List<Op> history();

    /** Key prefixes this workload writes, so the kv-vs-watch check can pick its ops. */
    default Set<String> prefixes() {
        return Set.of();
    }
}
