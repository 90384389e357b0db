package dev.hawser.bench.load;

/** One sampling interval of a run: requests completed in it and their latency, for plots over time. */
public record TimelinePoint(double atSeconds, long requests, double requestsPerSec, double p50Ms, double p99Ms) {
}
