/**
 * Watches: fan-out of committed events to watchers, and catch-up from history for
 * watchers that start in the past or fall behind (etcd's watchable store).
 */
package dev.hawser.kvstore.watch;
