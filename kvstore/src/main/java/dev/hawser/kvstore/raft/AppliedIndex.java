package dev.hawser.kvstore.raft;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Futures that complete once this member applied a log index. A write forwarded to the
 * leader is answered only after the member that received it applied it too, so the
 * client's next read or watch on that member sees its own write, as in etcd.
 */
final class AppliedIndex {
    private final Map<Long, CompletableFuture<Void>> waiting = new ConcurrentSkipListMap<>();
    private volatile long applied;

    CompletableFuture<Void> await(long index) {
        if (index <= applied) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = waiting.computeIfAbsent(index, i -> new CompletableFuture<>());
        if (index <= applied) {
            // raced with advance(): it may have swept before this future was added
            waiting.remove(index);
            f.complete(null);
        }
        return f;
    }

    /** Synchronized: the applied index must never move backwards, whichever Ratis thread reports it. */
    synchronized void advance(long index) {
        if (index <= applied) {
            return;
        }
        applied = index;
        var head = ((ConcurrentSkipListMap<Long, CompletableFuture<Void>>) waiting).headMap(index, true);
        for (var it = head.values().iterator(); it.hasNext(); ) {
            CompletableFuture<Void> f = it.next();
            it.remove();
            f.complete(null);
        }
    }
}
