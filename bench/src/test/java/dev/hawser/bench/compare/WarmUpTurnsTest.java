package dev.hawser.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WarmUpTurnsTest {
    @Test
    void sidesTakeTurnsUntilEachHasHadItsTime() throws Exception {
        Map<String, Long> passNanos = Map.of("hawser", 30L, "etcd", 40L);
        List<String> order = new ArrayList<>();
        List<Long> offered = new ArrayList<>();
        Map<String, Long> used = WarmUpTurns.run(List.of("hawser", "etcd"), 100, (side, left) -> {
            order.add(side);
            offered.add(left);
            return passNanos.get(side);
        });
        // hawser: 30, 60, 90, 120; etcd: 40, 80, 120. Neither waits for more than one pass of the other.
        assertEquals(List.of("hawser", "etcd", "hawser", "etcd", "hawser", "etcd", "hawser"), order);
        assertEquals(List.of(100L, 100L, 70L, 60L, 40L, 20L, 10L), offered);
        assertEquals(Map.of("hawser", 120L, "etcd", 120L), used);
    }

    @Test
    void aSideWhosePassesTakeNoTimeStillStops() throws Exception {
        int[] passes = {0};
        WarmUpTurns.run(List.of("etcd"), 5, (side, left) -> {
            passes[0]++;
            return 0;
        });
        assertEquals(5, passes[0]);
    }

    @Test
    void noTimeMeansNoPass() throws Exception {
        WarmUpTurns.run(List.of("hawser", "etcd"), 0, (side, left) -> {
            throw new AssertionError("ran a pass of " + side);
        });
    }
}
