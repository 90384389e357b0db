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
    /**
     * A stream whose watchers are offered revisions at this rate (one per watcher per revision: the responses it
     * would send without batching) is busy. Below it, sending each revision as it commits costs a member a few
     * percent of a core per stream (about 1.7 us per response, README's watch figures before batching).
     */
    public static final int BUSY_STREAM_OFFERS_PER_SECOND = 20_000;
    public static final String ERR_TOO_MANY_WATCHERS = "etcdserver: too many watchers on this stream";
}
