package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.client.StoreClient;

/**
 * Events expire an hour after they are written (kube-apiserver's --event-ttl): each is put with a
 * store lease. One lease is shared by all events written in the same minute, as kube-apiserver does,
 * so a burst of events costs one lease, not thousands.
 */
final class EventLeases {
    static final long TTL_SECONDS = 3600;
    private static final long REUSE_MILLIS = 60_000;

    private final StoreClient store;
    private long lease;
    private long grantedAt;

    EventLeases(StoreClient store) {
        this.store = store;
    }

    synchronized long current() {
        long now = System.currentTimeMillis();
        if (lease == 0 || now - grantedAt > REUSE_MILLIS) {
            lease = store.grantLease(TTL_SECONDS + REUSE_MILLIS / 1000);
            grantedAt = now;
        }
        return lease;
    }
}
