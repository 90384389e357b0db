package dev.hawser.bench.load;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Collects latencies from any number of threads (HdrHistogram's wait-free {@link Recorder}) and errors by kind,
 * and cuts the stream into intervals on {@link #sample}, which gives throughput and latency over time.
 */
public final class LatencyRecorder {
    private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final Recorder recorder = new Recorder(HIGHEST_NANOS, 3);
    private final Histogram total = new Histogram(HIGHEST_NANOS, 3);
    private final List<TimelinePoint> timeline = new ArrayList<>();
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    private final LongAdder errors = new LongAdder();
    private final LongAdder successes = new LongAdder();
    private volatile long startNanos;
    private long lastSampleNanos;
    private volatile long lastEventNanos;
    private Histogram interval;

    public LatencyRecorder(long startNanos) {
        start(startNanos);
    }

    /** Resets the clock the timeline is measured from (call before the first record). */
    public synchronized void start(long nanos) {
        startNanos = nanos;
        lastSampleNanos = nanos;
        lastEventNanos = nanos;
    }

    public void success(long latencyNanos, long nowNanos) {
        recorder.recordValue(Math.min(Math.max(latencyNanos, 1), HIGHEST_NANOS));
        successes.increment();
        lastEventNanos = nowNanos;
    }

    public void error(Throwable t, long nowNanos) {
        errors.increment();
        errorKinds.computeIfAbsent(kind(t), k -> new LongAdder()).increment();
        lastEventNanos = nowNanos;
    }

    public long successes() {
        return successes.sum();
    }

    public long completed() {
        return successes.sum() + errors.sum();
    }

    public long lastEventNanos() {
        return lastEventNanos;
    }

    /** Closes the current interval at {@code nowNanos} and adds it to the timeline. */
    public synchronized void sample(long nowNanos) {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        double seconds = (nowNanos - lastSampleNanos) / 1e9;
        if (seconds <= 0) {
            return;
        }
        long n = interval.getTotalCount();
        timeline.add(new TimelinePoint((nowNanos - startNanos) / 1e9, n, n / seconds,
                n == 0 ? 0 : LatencySummary.ms(interval.getValueAtPercentile(50)),
                n == 0 ? 0 : LatencySummary.ms(interval.getValueAtPercentile(99))));
        lastSampleNanos = nowNanos;
    }

    /** The result from the start to {@code endNanos} (usually the last completion); takes a final sample. */
    public synchronized RunResult finish(String name, long endNanos) {
        sample(Math.max(endNanos, lastSampleNanos));
        double seconds = Math.max(endNanos - startNanos, 1) / 1e9;
        Map<String, Long> kinds = new TreeMap<>();
        errorKinds.forEach((k, v) -> kinds.put(k, v.sum()));
        long ok = total.getTotalCount();
        return new RunResult(name, ok, errors.sum(), kinds, seconds, ok / seconds, LatencySummary.of(total),
                List.copyOf(timeline), total.copy());
    }

    /** A short description of a failure: the gRPC code and message, or the exception. */
    public static String describe(Throwable t) {
        Status s = Status.fromThrowable(t);
        if (s.getCode() != Status.Code.UNKNOWN || s.getDescription() != null) {
            return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
        }
        return t.toString();
    }

    /**
     * The kind of a failure, for counting: {@link #describe} without what varies from call to call (gRPC's
     * "[closed=[], open=[[remote_addr=...]]]" details, elapsed times), so equal causes add up.
     */
    static String kind(Throwable t) {
        String d = describe(t).replaceAll("\\s*\\[.*$", "").replaceAll("\\d+(\\.\\d+)?", "N").trim();
        return d.length() > 160 ? d.substring(0, 160) : d;
    }
}
