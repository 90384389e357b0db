package dev.hawser.bench.load;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one measured phase: successful requests (with their latencies), failed requests by kind, the
 * wall time from the first send to the last completion, and throughput per sampling interval.
 */
public record RunResult(String name, long requests, long errors, Map<String, Long> errorKinds, double totalSeconds,
                        double requestsPerSec, LatencySummary latency, List<TimelinePoint> timeline,
                        @JsonIgnore Histogram histogram) {
}
