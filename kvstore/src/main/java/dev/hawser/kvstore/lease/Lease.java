package dev.hawser.kvstore.lease;

import com.google.protobuf.ByteString;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One lease: its granted TTL, the keys attached to it, and (on the leader) when it expires. */
final class Lease {
    final long id;
    final long ttlSeconds;
    final Set<ByteString> keys = ConcurrentHashMap.newKeySet();
    /** Monotonic deadline in nanoseconds; meaningful only while this member is the leader. */
    volatile long expiryNanos = Long.MAX_VALUE;
    /** Set once the leader proposed revoking it: a late keep-alive must not bring it back. */
    volatile boolean revoking;

    Lease(long id, long ttlSeconds) {
        this.id = id;
        this.ttlSeconds = ttlSeconds;
    }

    void refresh(long nowNanos, long extendNanos) {
        expiryNanos = nowNanos + extendNanos + ttlSeconds * 1_000_000_000L;
    }

    /** Whole seconds left, truncated as etcd reports them; never negative. */
    long remainingSeconds(long nowNanos) {
        if (expiryNanos == Long.MAX_VALUE) {
            return ttlSeconds;
        }
        return Math.max(0, (expiryNanos - nowNanos) / 1_000_000_000L);
    }
}
