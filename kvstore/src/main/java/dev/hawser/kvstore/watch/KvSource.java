package dev.hawser.kvstore.watch;

import dev.hawser.kvstore.mvcc.KV;

/** Access to the member's current store, which a snapshot install may replace. */
public interface KvSource {
    <T, E extends Exception> T withKv(KvFunction<T, E> fn) throws E;

    /** Work against the store that is current while it runs. */
    @FunctionalInterface
    interface KvFunction<T, E extends Exception> {
        T apply(KV kv) throws E;
    }
}
