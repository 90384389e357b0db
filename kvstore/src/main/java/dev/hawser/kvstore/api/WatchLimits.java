package dev.hawser.kvstore.api;

/**
 * Limits of one watch stream: responses it may queue before its watchers fall back to
 * catching up from history, the size above which a fragmenting watcher's responses are
 * split (etcd's --max-request-bytes), and the progress-notification interval.
 */
public record WatchLimits(int maxQueuedResponses, int maxRequestBytes, long progressNotifyIntervalMs) {
}
