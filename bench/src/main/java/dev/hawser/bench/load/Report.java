package dev.hawser.bench.load;

import java.io.PrintWriter;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** Prints a result the way etcd's benchmark tool does: summary, response time histogram, latency distribution. */
public final class Report {
    private static final int BUCKETS = 10;
    private static final int BAR_WIDTH = 40;

    private Report() {
    }

    public static void print(RunResult r, PrintWriter out) {
        LatencySummary l = r.latency();
        out.println();
        out.println("Summary (" + r.name() + "):");
        out.printf(Locale.ROOT, "  Total:\t%.4f secs.%n", r.totalSeconds());
        out.printf(Locale.ROOT, "  Slowest:\t%.4f secs.%n", l.maxMs() / 1e3);
        out.printf(Locale.ROOT, "  Fastest:\t%.4f secs.%n", l.minMs() / 1e3);
        out.printf(Locale.ROOT, "  Average:\t%.4f secs.%n", l.meanMs() / 1e3);
        out.printf(Locale.ROOT, "  Stddev:\t%.4f secs.%n", l.stddevMs() / 1e3);
        out.printf(Locale.ROOT, "  Requests/sec:\t%.4f%n", r.requestsPerSec());
        if (r.errors() > 0) {
            out.println();
            out.println("Error distribution:");
            r.errorKinds().forEach((kind, n) -> out.printf(Locale.ROOT, "  [%d]\t%s%n", n, kind));
        }
        if (l.count() == 0) {
            return;
        }
        out.println();
        out.println("Response time histogram:");
        histogram(r.histogram(), out);
        out.println();
        out.println("Latency distribution:");
        for (double p : LatencySummary.PERCENTILES) {
            String pct = p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p);
            out.printf(Locale.ROOT, "  %s%% in %.4f secs.%n", pct, l.at(p) / 1e3);
        }
    }

    private static void histogram(Histogram h, PrintWriter out) {
        long min = h.getMinValue();
        long max = h.getMaxValue();
        double width = Math.max(1, (max - min) / (double) BUCKETS);
        long[] counts = new long[BUCKETS + 1];
        long peak = 0;
        for (int b = 0; b <= BUCKETS; b++) {
            long lo = b == 0 ? 0 : (long) (min + width * (b - 1)) + 1;
            long hi = (long) (min + width * b);
            counts[b] = lo > hi ? 0 : h.getCountBetweenValues(lo, hi);
            peak = Math.max(peak, counts[b]);
        }
        for (int b = 0; b <= BUCKETS; b++) {
            int bar = peak == 0 ? 0 : (int) (counts[b] * BAR_WIDTH / peak);
            out.printf(Locale.ROOT, "  %.4f [%d]\t|%s%n", (min + width * b) / 1e9, counts[b], "∎".repeat(bar));
        }
    }
}
