package dev.hawser.kvstore.concurrency;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.watch.WatchSink;
import dev.hawser.kvstore.watch.Watcher;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * etcd's Election.Observe: reports the current leader, then every PUT to the leader's key;
 * when that key is deleted it reads the next leader, and when there is none it waits for the
 * first candidate to appear under the prefix. Each stage is an internal watcher started at
 * the revision after the read (or event) it follows, so nothing falls between stages.
 *
 * <p>The listener is called in order, one call at a time, on the executor. At most
 * {@value #MAX_PENDING} reports wait for it; beyond that, or while the listener is not ready,
 * the watcher is refused and the hub replays it from history later.
 */
public final class LeaderObserver {
    private static final int MAX_PENDING = 64;

    /** Where reports go. */
    public interface Listener {
        /** Whether more reports may be sent now (for a gRPC stream: its transport is ready). */
        boolean ready();

        /** A leader's key/value; {@code revision} is the header revision etcd reports with it. */
        void leader(long revision, KeyValue kv);

        /** Observing stopped for good (a read kept failing). */
        void failed(Throwable t);
    }

    private final KvClient kv;
    private final ByteString prefix;
    private final Listener listener;
    private final Queue<Runnable> reports = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private boolean cancelled;
    private Watcher current;

    LeaderObserver(KvClient kv, ByteString prefix, Listener listener) {
        this.kv = kv;
        this.prefix = prefix;
        this.listener = listener;
    }

    public void start() {
        findLeader();
    }

    /** Stops observing; no report is made afterwards. */
    public void cancel() {
        Watcher w;
        synchronized (this) {
            cancelled = true;
            w = current;
            current = null;
        }
        if (w != null) {
            kv.hub().cancel(w);
        }
    }

    private synchronized boolean isCancelled() {
        return cancelled;
    }

    /** Reads the oldest candidate: report it and follow its key, or wait for one to appear. */
    private void findLeader() {
        if (isCancelled()) {
            return;
        }
        kv.range(Requests.firstCreated(prefix)).whenComplete((resp, err) -> {
            if (err != null) {
                fail(err);
                return;
            }
            long rev = resp.getHeader().getRevision();
            if (resp.getKvsCount() == 0) {
                watch(new Stage(true), prefix, Requests.prefixEnd(prefix), rev + 1);
            } else {
                KeyValue leader = resp.getKvs(0);
                report(rev, leader);
                watch(new Stage(false), leader.getKey(), ByteString.EMPTY, rev + 1);
            }
        });
    }

    private void watch(Stage stage, ByteString key, ByteString end, long fromRev) {
        // Waiting for a first candidate, only PUTs matter (etcd: "a delete will make observe() spin").
        Watcher w = new Watcher(kv.nextWatcherId(), key, end, false, stage.awaitingLeader, false, false, fromRev, stage);
        stage.watcher = w;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            current = w;
        }
        kv.hub().add(w);
        if (isCancelled()) {
            kv.hub().cancel(w); // cancel() ran between the check and add()
        }
    }

    private void report(long revision, KeyValue leader) {
        pending.incrementAndGet();
        serially(() -> {
            pending.decrementAndGet();
            if (!isCancelled()) {
                listener.leader(revision, leader);
            }
        });
    }

    private void fail(Throwable err) {
        if (isCancelled()) {
            return;
        }
        cancel();
        serially(() -> listener.failed(KvClient.unwrap(err)));
    }

    private void serially(Runnable task) {
        reports.add(task);
        drainLater();
    }

    private void drainLater() {
        if (draining.compareAndSet(false, true)) {
            try {
                kv.executor().execute(this::drain);
            } catch (RejectedExecutionException shuttingDown) {
                draining.set(false);
            }
        }
    }

    private void drain() {
        try {
            for (Runnable r = reports.poll(); r != null; r = reports.poll()) {
                r.run();
            }
        } finally {
            draining.set(false);
        }
        if (!reports.isEmpty()) {
            drainLater();
        }
    }

    /** One watcher's events: a first candidate appearing, or the leader's key changing. */
    private final class Stage implements WatchSink {
        private final boolean awaitingLeader;
        private volatile Watcher watcher;
        private volatile boolean over;

        Stage(boolean awaitingLeader) {
            this.awaitingLeader = awaitingLeader;
        }

        @Override
        public boolean offer(Watcher w, long headerRevision, List<Event> events) {
            if (over) {
                return true;
            }
            if (!hasRoom()) {
                return false;
            }
            for (Event e : events) {
                KeyValue changed = e.getKv();
                if (awaitingLeader && e.getType() == Event.EventType.PUT) {
                    report(changed.getModRevision(), changed);
                    moveOn(() -> watch(new Stage(false), changed.getKey(), ByteString.EMPTY, changed.getModRevision() + 1));
                    return true;
                }
                if (e.getType() == Event.EventType.DELETE) {
                    moveOn(LeaderObserver.this::findLeader);
                    return true;
                }
                report(headerRevision, changed);
            }
            return true;
        }

        @Override
        public void compacted(Watcher w, long compactRevision) {
            moveOn(LeaderObserver.this::findLeader); // history is gone: start again from a fresh read
        }

        @Override
        public boolean hasRoom() {
            return pending.get() < MAX_PENDING && listener.ready();
        }

        /** Ends this stage; leaving the hub and starting the next stage happen off the hub's thread. */
        private void moveOn(Runnable next) {
            over = true;
            serially(() -> {
                kv.hub().cancel(watcher);
                next.run();
            });
        }
    }
}
