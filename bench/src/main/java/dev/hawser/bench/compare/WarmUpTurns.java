package dev.hawser.bench.compare;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sides warm up in turns, one pass of their workloads each, until each has had its warm-up time. Warming one
 * side and then the other left the first idle for the whole of the other's warm-up (150 s by default) right before
 * the first measured round, and Hawser, warmed first, then had its slowest put round first in four runs out of
 * four, where etcd's first was its slowest in one. In turns, a side waits no longer than one pass of the other's,
 * about what it waits between the measured workloads.
 */
public final class WarmUpTurns {
    private WarmUpTurns() {
    }

    /** One warm-up pass of a side: it may use up to {@code nanosLeft} and returns the nanoseconds it took. */
    @FunctionalInterface
    public interface Pass<S> {
        long run(S side, long nanosLeft) throws Exception;
    }

    /**
     * Runs passes of the sides in their list order, round and round, each until it has had {@code nanosEach};
     * returns the nanoseconds each side's passes took.
     */
    public static <S> Map<S, Long> run(List<S> sides, long nanosEach, Pass<S> pass) throws Exception {
        Map<S, Long> used = new IdentityHashMap<>();
        boolean anyLeft = true;
        while (anyLeft) {
            anyLeft = false;
            for (S side : sides) {
                long left = nanosEach - used.getOrDefault(side, 0L);
                if (left > 0) {
                    // At least a nanosecond per pass, so that a side whose passes take no time still ends.
                    used.merge(side, Math.max(1, pass.run(side, left)), Long::sum);
                    anyLeft = true;
                }
            }
        }
        return used;
    }
}
