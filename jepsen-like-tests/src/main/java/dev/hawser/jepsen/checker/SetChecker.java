package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Set workload: unique elements are added ({@code add}), then one final linearizable
 * {@code read-all}. Every acknowledged add must be in the final read (no lost writes); nothing
 * may appear that was never attempted or whose add definitely failed (no phantoms). Adds that
 * ended in INFO may go either way.
 */
public final class SetChecker {
    private SetChecker() {
    }

    public static CheckResult check(List<Op> history) {
        Map<Long, Op> okAdds = new HashMap<>();
        Map<Long, Op> failedAdds = new HashMap<>();
        Set<Long> attempted = new HashSet<>();
        Op finalRead = null;
        for (Op op : history) {
            if (op.f().equals("add")) {
                if (op.isInvoke()) {
                    attempted.add(op.value());
                } else if (op.type() == Op.Type.OK) {
                    okAdds.put(op.value(), op);
                } else if (op.type() == Op.Type.FAIL) {
                    failedAdds.put(op.value(), op);
                }
            } else if (op.f().equals("read-all") && op.type() == Op.Type.OK) {
                finalRead = op;
            }
        }
        if (finalRead == null) {
            return CheckResult.unknown("set", "set", "no successful final read");
        }
        Set<Long> seen = new HashSet<>(finalRead.values());
        List<Op> evidence = new ArrayList<>();
        List<Long> lost = new ArrayList<>();
        okAdds.forEach((v, op) -> {
            if (!seen.contains(v)) {
                lost.add(v);
                evidence.add(op);
            }
        });
        List<Long> phantom = new ArrayList<>();
        for (Long v : seen) {
            if (!attempted.contains(v) || failedAdds.containsKey(v)) {
                phantom.add(v);
                if (failedAdds.containsKey(v)) {
                    evidence.add(failedAdds.get(v));
                }
            }
        }
        if (lost.isEmpty() && phantom.isEmpty()) {
            return CheckResult.ok("set", "set", okAdds.size() + " acknowledged adds all present; " + seen.size() + " elements read");
        }
        evidence.add(finalRead);
        evidence.sort((a, b) -> Integer.compare(a.index(), b.index()));
        return CheckResult.illegal("set", "set", "lost " + lost + ", unexpected or failed-but-present " + phantom, evidence);
    }
}
