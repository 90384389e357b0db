package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.WatchEvent;
import dev.hawser.jepsen.history.WatchLog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * etcd's watch guarantees, checked per watcher against a reference: the committed event history
 * read after the run by fresh watches from revision 1 (one per member; all must agree).
 * <ul>
 *   <li>ordered: revisions never go down;</li>
 *   <li>unique: no (revision, key) twice;</li>
 *   <li>reliable and resumable: each segment (a connection starting at revision s) is exactly
 *       a prefix of the reference events at or above s, so no event is skipped;</li>
 *   <li>caught up: after the run each watcher has reached the reference's last revision.</li>
 * </ul>
 * It also ties the KV history to the reference: every acknowledged write (with the revision
 * its response reported) must be the reference's event at that revision.
 */
public final class WatchChecker {
    private WatchChecker() {
    }

    public static CheckResult checkReplicasAgree(Map<String, List<WatchEvent>> referenceByMember) {
        List<WatchEvent> first = null;
        String firstName = null;
        for (Map.Entry<String, List<WatchEvent>> e : referenceByMember.entrySet()) {
            if (first == null) {
                first = e.getValue();
                firstName = e.getKey();
            } else if (!first.equals(e.getValue())) {
                int n = Math.min(first.size(), e.getValue().size());
                int at = 0;
                while (at < n && first.get(at).equals(e.getValue().get(at))) {
                    at++;
                }
                return CheckResult.illegal("watch-replicas", "all", "event history of " + e.getKey() + " differs from "
                        + firstName + " at position " + at + ": " + (at < first.size() ? first.get(at) : "end") + " vs "
                        + (at < e.getValue().size() ? e.getValue().get(at) : "end"), List.of());
            }
        }
        return CheckResult.ok("watch-replicas", "all", referenceByMember.size() + " members report the same "
                + (first == null ? 0 : first.size()) + " events");
    }

    public static List<CheckResult> check(List<WatchEvent> reference, List<WatchLog> logs) {
        List<CheckResult> out = new ArrayList<>();
        long lastRev = reference.isEmpty() ? 0 : reference.get(reference.size() - 1).revision();
        for (WatchLog log : logs) {
            out.add(checkOne(reference, log, lastRev));
        }
        return out;
    }

    static CheckResult checkOne(List<WatchEvent> reference, WatchLog log, long lastRev) {
        String name = log.watcher();
        long prevRev = 0;
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (WatchLog.Segment seg : log.segments()) {
            int from = firstAtOrAbove(reference, seg.startRevision());
            List<WatchEvent> evs = seg.events();
            for (int i = 0; i < evs.size(); i++) {
                WatchEvent e = evs.get(i);
                total++;
                if (e.revision() < prevRev) {
                    return CheckResult.illegal("watch", name, "not ordered: " + e + " after revision " + prevRev, List.of());
                }
                prevRev = e.revision();
                if (!seen.add(e.revision() + "/" + e.key())) {
                    return CheckResult.illegal("watch", name, "duplicate event " + e, List.of());
                }
                WatchEvent want = from + i < reference.size() ? reference.get(from + i) : null;
                if (!e.equals(want)) {
                    return CheckResult.illegal("watch", name, "segment from revision " + seg.startRevision() + ", event #" + i
                            + ": got " + e + ", committed history has " + (want == null ? "nothing" : want)
                            + (want != null && want.revision() < e.revision() ? " (gap)" : ""), List.of());
                }
            }
        }
        if (prevRev < lastRev && total > 0) {
            return CheckResult.illegal("watch", name, "stalled: last event at revision " + prevRev
                    + ", committed history reaches " + lastRev, List.of());
        }
        return CheckResult.ok("watch", name, total + " events in " + log.segments().size() + " segments, ordered, unique, gap-free");
    }

    private static int firstAtOrAbove(List<WatchEvent> ref, long rev) {
        int lo = 0;
        int hi = ref.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ref.get(mid).revision() < rev) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Every OK write/cas/add in {@code kv} whose completion carries the revision (in {@code values})
     * must be the reference's PUT of that key and value at that revision; every reference PUT of a
     * key in {@code kv} must come from an attempted write that did not definitely fail.
     */
    public static CheckResult checkKvAgainstReference(String name, List<Op> kv, List<WatchEvent> reference,
                                                      java.util.function.Function<Op, String> valueText) {
        Map<String, WatchEvent> byRevKey = new HashMap<>();
        for (WatchEvent e : reference) {
            byRevKey.put(e.revision() + "/" + e.key(), e);
        }
        Set<String> attempted = new HashSet<>();
        Set<String> failed = new HashSet<>();
        Set<String> keys = new HashSet<>();
        int checked = 0;
        for (Op op : kv) {
            if (op.key() == null || op.f().equals("read") || op.f().equals("read-all")) {
                continue;
            }
            keys.add(op.key());
            String kvText = op.key() + "=" + valueText.apply(op);
            if (op.isInvoke()) {
                attempted.add(kvText);
            } else if (op.type() == Op.Type.FAIL) {
                failed.add(kvText);
            } else if (op.type() == Op.Type.OK && op.values() != null && !op.values().isEmpty()) {
                long rev = op.values().get(0);
                WatchEvent e = byRevKey.get(rev + "/" + op.key());
                checked++;
                if (e == null || e.delete() || !kvText.equals(e.key() + "=" + e.value())) {
                    return CheckResult.illegal(name, "kv-vs-watch", "acknowledged " + op + " at revision " + rev
                            + " but committed history has " + e, List.of(op));
                }
            }
        }
        for (WatchEvent e : reference) {
            if (e.delete() || !keys.contains(e.key())) {
                continue;
            }
            String kvText = e.key() + "=" + e.value();
            if (!attempted.contains(kvText) || failed.contains(kvText)) {
                return CheckResult.illegal(name, "kv-vs-watch", "committed " + e + " was "
                        + (attempted.contains(kvText) ? "reported as definitely failed" : "never written"), List.of());
            }
        }
        return CheckResult.ok(name, "kv-vs-watch", checked + " acknowledged writes found at their revisions");
    }
}
