package dev.hawser.kvstore.api;

/**
 * Limits of one watch stream: responses it may queue before its watchers fall back to
 * catching up from history, the size above which a fragmenting watcher's responses are
 * split (etcd's --max-request-bytes), the progress-notification interval, and how many watchers
 * one stream may hold (a client that opens watchers without end is refused, not served to exhaustion).
 */
public record WatchLimits(int maxQueuedResponses, int maxRequestBytes, long progressNotifyIntervalMs, int maxWatchersPerStream) {
    public static final int DEFAULT_MAX_WATCHERS_PER_STREAM = 10_000;
    public static final String ERR_TOO_MANY_WATCHERS = "etcdserver: too many watchers on this stream";
}
