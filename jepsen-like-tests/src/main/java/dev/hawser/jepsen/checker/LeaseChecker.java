package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.WatchEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lease expiry: each {@code lease-put} writes a unique key attached to a short lease that is never
 * kept alive. In the committed event history every key from an acknowledged put must be created
 * once and deleted exactly once, after its creation, and must be absent from the final read
 * ({@code remaining}). A key from an indeterminate put may be missing entirely, but if it was
 * created it must also have been deleted exactly once.
 */
public final class LeaseChecker {
    private LeaseChecker() {
    }

    public static CheckResult check(List<Op> history, List<WatchEvent> reference, Set<String> remaining) {
        Map<String, List<WatchEvent>> byKey = new HashMap<>();
        for (WatchEvent e : reference) {
            byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
        }
        int acked = 0;
        for (Op op : history) {
            if (op.isInvoke() || !op.f().equals("lease-put") || op.type() == Op.Type.FAIL) {
                continue;
            }
            List<WatchEvent> evs = byKey.getOrDefault(op.key(), List.of());
            long puts = evs.stream().filter(e -> !e.delete()).count();
            long deletes = evs.stream().filter(WatchEvent::delete).count();
            boolean ok = op.type() == Op.Type.OK;
            if (ok) {
                acked++;
            }
            if (remaining.contains(op.key())) {
                return CheckResult.illegal("lease", op.key(), "key of an expired lease still present after the run", List.of(op));
            }
            if (ok && puts != 1 || puts > 1 || deletes != puts || puts == 1 && evs.get(0).delete()) {
                return CheckResult.illegal("lease", op.key(), "expected one PUT then one DELETE, committed history has " + evs, List.of(op));
            }
        }
        return CheckResult.ok("lease", "all", acked + " leased keys created once and expired exactly once");
    }
}
