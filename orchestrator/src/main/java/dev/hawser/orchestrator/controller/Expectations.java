package dev.hawser.orchestrator.controller;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creations and deletions a controller has asked for but not yet seen in its cache. Until they show
 * up (or time out), the controller does not act on its stale view again, so one scale-up does not
 * become two (client-go's ControllerExpectations).
 */
final class Expectations {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private record Pending(int adds, int deletes, long since) {
    }

    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();

    void expect(String key, int adds, int deletes) {
        pending.put(key, new Pending(adds, deletes, System.nanoTime()));
    }

    void observedAdd(String key) {
        pending.computeIfPresent(key, (k, p) -> new Pending(p.adds() - 1, p.deletes(), p.since()));
    }

    void observedDelete(String key) {
        pending.computeIfPresent(key, (k, p) -> new Pending(p.adds(), p.deletes() - 1, p.since()));
    }

    /** Create/delete calls that failed will never be observed: take them back. */
    void lowered(String key, int adds, int deletes) {
        pending.computeIfPresent(key, (k, p) -> new Pending(p.adds() - adds, p.deletes() - deletes, p.since()));
    }

    boolean satisfied(String key) {
        Pending p = pending.get(key);
        if (p == null || (p.adds() <= 0 && p.deletes() <= 0) || System.nanoTime() - p.since() > TIMEOUT.toNanos()) {
            pending.remove(key);
            return true;
        }
        return false;
    }

    void forget(String key) {
        pending.remove(key);
    }
}
