package dev.hawser.bench.load;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Latencies of the successful requests of a run, in milliseconds. Percentile keys are "p50", "p99.9", ... */
public record LatencySummary(long count, double minMs, double maxMs, double meanMs, double stddevMs,
                             Map<String, Double> percentilesMs) {
    /** The percentiles etcd's benchmark prints. */
    public static final double[] PERCENTILES = {10, 25, 50, 75, 90, 95, 99, 99.9};

    static LatencySummary of(Histogram nanos) {
        Map<String, Double> pct = new LinkedHashMap<>();
        for (double p : PERCENTILES) {
            pct.put(key(p), nanos.getTotalCount() == 0 ? 0.0 : ms(nanos.getValueAtPercentile(p)));
        }
        if (nanos.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, pct);
        }
        return new LatencySummary(nanos.getTotalCount(), ms(nanos.getMinValue()), ms(nanos.getMaxValue()),
                nanos.getMean() / 1e6, nanos.getStdDeviation() / 1e6, pct);
    }

    public static String key(double percentile) {
        return percentile == Math.rint(percentile) ? "p" + (long) percentile : "p" + percentile;
    }

    /** The latency at {@code percentile} (one of {@link #PERCENTILES}), in ms. */
    public double at(double percentile) {
        return percentilesMs.getOrDefault(key(percentile), 0.0);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
