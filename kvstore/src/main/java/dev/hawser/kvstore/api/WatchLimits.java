package dev.hawser.kvstore.api;

/**
 * Limits of one watch stream: responses it may queue before its watchers fall back to
 * catching up from history, the size above which a fragmenting watcher's responses are
 * split (etcd's --max-request-bytes), the progress-notification interval, how many watchers
 * one stream may hold (a client that opens watchers without end is refused, not served to exhaustion),
 * and how long a busy stream waits between drains (see {@link DrainPacer}).
 */
public record WatchLimits(int maxQueuedResponses, int maxRequestBytes, long progressNotifyIntervalMs, int maxWatchersPerStream,
                          long busyStreamIntervalMs) {
    public static final int DEFAULT_MAX_WATCHERS_PER_STREAM = 10_000;
    public static final String DEFAULT_BUSY_STREAM_INTERVAL = "50ms";
    /** A drain that sends this many responses marks its stream busy: half of etcd's per-stream buffer. */
    public static final int BUSY_STREAM_RESPONSES = 64;
    public static final String ERR_TOO_MANY_WATCHERS = "etcdserver: too many watchers on this stream";
}
