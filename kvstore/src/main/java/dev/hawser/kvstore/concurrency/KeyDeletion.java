package dev.hawser.kvstore.concurrency;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.watch.WatchHub;
import dev.hawser.kvstore.watch.WatchSink;
import dev.hawser.kvstore.watch.Watcher;
import dev.hawser.proto.mvccpb.Event;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Completes when a key is deleted at or after a revision: an internal watcher on the member's
 * {@link WatchHub} that wants only DELETE events. Start it at the revision after the read that
 * saw the key, and no delete can slip between the read and the watch: the hub replays history
 * from that revision before it feeds the watcher live.
 *
 * <p>It also completes when it can no longer tell (history compacted past its start, which the
 * hub reports instead of events), so a caller must read again after completion, as etcd's
 * {@code waitDeletes} does anyway.
 */
final class KeyDeletion implements WatchSink {
    private final WatchHub hub;
    private final Executor executor;
    private final Watcher watcher;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicBoolean finished = new AtomicBoolean();

    private KeyDeletion(WatchHub hub, Executor executor, long id, ByteString key, long fromRev) {
        this.hub = hub;
        this.executor = executor;
        this.watcher = new Watcher(id, key, ByteString.EMPTY, true, false, false, false, fromRev, this);
    }

    static KeyDeletion start(WatchHub hub, Executor executor, long id, ByteString key, long fromRev) {
        KeyDeletion d = new KeyDeletion(hub, executor, id, key, fromRev);
        hub.add(d.watcher);
        return d;
    }

    /** Completes on the executor, never on the thread that commits the delete. */
    CompletableFuture<Void> future() {
        return done;
    }

    /** Stops waiting; the future fails with a {@link CancellationException}. */
    void cancel() {
        finish(new CancellationException("wait for deletion cancelled"));
    }

    // ---- WatchSink: called by the hub, possibly under its lock while the store commits ----

    @Override
    public boolean offer(Watcher w, long headerRevision, List<Event> events) {
        for (Event e : events) {
            if (e.getType() == Event.EventType.DELETE) {
                finish(null);
                break;
            }
        }
        return true;
    }

    @Override
    public void compacted(Watcher w, long compactRevision) {
        finish(null);
    }

    @Override
    public boolean hasRoom() {
        return true;
    }

    /**
     * The hub may be iterating its watchers right now, so leaving it, like completing the
     * future (whose dependents do real work), happens on the executor.
     */
    private void finish(Throwable failure) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        Runnable end = () -> {
            hub.cancel(watcher);
            if (failure == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(failure);
            }
        };
        try {
            executor.execute(end);
        } catch (RejectedExecutionException shuttingDown) {
            done.completeExceptionally(shuttingDown);
        }
    }
}
