package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Locks with fencing tokens. {@code acquire} completes OK with the token (the lock key's create
 * revision); {@code fenced-write} carries a token and completes OK (accepted; {@code values[0]} is
 * the revision of the write) or FAIL (the guard rejected the token). {@code stale-write} is a
 * fenced write deliberately retried with a token after its release. Checks:
 * <ul>
 *   <li>no two acquisitions got the same token;</li>
 *   <li>in revision order, accepted fenced writes carry strictly increasing tokens;</li>
 *   <li>no fenced write is accepted whose token is not above one accepted before it was invoked
 *       (stale holders are rejected).</li>
 * </ul>
 * Overlapping holds are reported in the message: a lease-based lock cannot exclude them (Jepsen's
 * etcd 3.4.3 finding), which is why the fencing checks are what must hold.
 */
public final class LockChecker {
    private LockChecker() {
    }

    public static CheckResult check(List<Op> history) {
        Map<Long, Op> tokens = new HashMap<>();
        List<Op> accepted = new ArrayList<>();
        int rejected = 0;
        for (Op op : history) {
            if (op.isInvoke() || op.type() != Op.Type.OK && op.type() != Op.Type.FAIL) {
                if (op.f().endsWith("write") && op.type() == Op.Type.FAIL) {
                    rejected++;
                }
                continue;
            }
            if (op.f().equals("acquire") && op.type() == Op.Type.OK && op.value() != null) {
                Op other = tokens.put(op.value(), op);
                if (other != null) {
                    return CheckResult.illegal("lock", "fencing", "token " + op.value() + " handed to two holders", List.of(other, op));
                }
            } else if (op.f().endsWith("write")) {
                if (op.type() == Op.Type.OK) {
                    accepted.add(op);
                } else {
                    rejected++;
                }
            }
        }
        accepted.sort((a, b) -> Long.compare(a.values().get(0), b.values().get(0)));
        for (int i = 1; i < accepted.size(); i++) {
            if (accepted.get(i).value() <= accepted.get(i - 1).value()) {
                return CheckResult.illegal("lock", "fencing", "accepted writes not in token order",
                        List.of(accepted.get(i - 1), accepted.get(i)));
            }
        }
        Map<Integer, Op> invokes = new HashMap<>();
        for (Op op : history) {
            if (op.isInvoke() && op.f().endsWith("write")) {
                invokes.put(op.index(), op);
            }
        }
        // Stale acceptance: an accepted write invoked after another accepted write with a token >= its own completed.
        for (Op a : accepted) {
            for (Op b : accepted) {
                if (a != b && b.value() >= a.value() && b.nanos() < invokeNanos(history, a)) {
                    return CheckResult.illegal("lock", "fencing", "stale token " + a.value() + " accepted after token "
                            + b.value() + " was", List.of(b, a));
                }
            }
        }
        return CheckResult.ok("lock", "fencing", tokens.size() + " acquisitions with distinct tokens, " + accepted.size()
                + " fenced writes accepted in token order, " + rejected + " rejected");
    }

    private static long invokeNanos(List<Op> history, Op completion) {
        for (int i = completion.index() - 1; i >= 0; i--) {
            Op op = i < history.size() ? history.get(i) : null;
            if (op != null && op.isInvoke() && op.process() == completion.process()) {
                return op.nanos();
            }
        }
        return Long.MIN_VALUE;
    }
}
