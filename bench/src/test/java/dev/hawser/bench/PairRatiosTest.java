package dev.hawser.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PairRatiosTest {

    @Test
    void eachRoundsRatioComesFromThatRoundsTwoFigures() {
        // The host slows down from round to round; each round's pair still has the same ratio.
        Map<Integer, Double> etcd = rounds(1, 1000.0, 2, 500.0, 3, 250.0);
        Map<Integer, Double> hawser = rounds(1, 800.0, 2, 400.0, 3, 200.0);

        assertEquals(List.of(0.8, 0.8, 0.8), CompareCommand.pairRatios(etcd, hawser));
        assertEquals("0.80-0.80", CompareCommand.rangeCell(CompareCommand.pairRatios(etcd, hawser)));
    }

    @Test
    void aRoundThatFailedOnEitherSideHasNoRatio() {
        Map<Integer, Double> etcd = rounds(1, 1000.0, 3, 1000.0);
        Map<Integer, Double> hawser = rounds(1, 500.0, 2, 700.0, 3, 1500.0);

        assertEquals(List.of(0.5, 1.5), CompareCommand.pairRatios(etcd, hawser));
        assertEquals("0.50-1.50", CompareCommand.rangeCell(CompareCommand.pairRatios(etcd, hawser)));
    }

    @Test
    void oneRoundHasNoRange() {
        assertEquals("-", CompareCommand.rangeCell(List.of(0.9)));
        assertEquals("-", CompareCommand.rangeCell(List.of()));
    }

    private static Map<Integer, Double> rounds(Object... roundThenFigure) {
        Map<Integer, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < roundThenFigure.length; i += 2) {
            m.put((Integer) roundThenFigure[i], (Double) roundThenFigure[i + 1]);
        }
        return m;
    }
}
