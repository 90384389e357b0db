package dev.hawser.kvstore.api;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * When a Watch stream sends the events queued for it. A stream that has just sent many responses in one go (a
 * fan-out of many watchers) waits a short interval before its next drain, so that the revisions committed
 * meanwhile join each watcher's pending response. The same events then leave in fewer, larger responses. Most
 * of a response's cost is per response rather than per event: gRPC framing, a write, a wake-up of the client.
 *
 * <p>etcd gets the same effect by overflow: once a stream's 128-response buffer is full, its watchers are
 * caught up from history by a loop that runs every 100 ms. A stream with few watchers, or one that drains
 * less often than the interval, is never held back: its events leave as they commit.
 */
final class DrainPacer {
    private final ScheduledExecutorService timer;
    private final long intervalNanos;
    private final Runnable drain;
    private final LongSupplier clock;
    private final AtomicBoolean waiting = new AtomicBoolean();
    private volatile boolean busy;
    /** When the last busy drain ended, by {@link #clock}. */
    private volatile long busyAt;

    DrainPacer(ScheduledExecutorService timer, long intervalMillis, Runnable drain) {
        this(timer, intervalMillis, drain, System::nanoTime);
    }

    DrainPacer(ScheduledExecutorService timer, long intervalMillis, Runnable drain, LongSupplier clock) {
        this.timer = timer;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.drain = drain;
        this.clock = clock;
    }

    /** New events are queued: drain now, or once the interval since the last busy drain has passed. */
    void eventsQueued() {
        if (!busy || intervalNanos == 0) {
            drain.run();
            return;
        }
        long wait = busyAt + intervalNanos - clock.getAsLong();
        if (wait <= 0) {
            drain.run();
        } else if (waiting.compareAndSet(false, true)) {
            // Events queued while this waits are sent by the same drain: the flag is cleared before it runs.
            timer.schedule(() -> {
                waiting.set(false);
                drain.run();
            }, wait, TimeUnit.NANOSECONDS);
        }
    }

    /** A drain sent this many responses (at least one). */
    void drained(int responses) {
        if (responses >= WatchLimits.BUSY_STREAM_RESPONSES) {
            busyAt = clock.getAsLong();
            busy = true;
        } else {
            busy = false;
        }
    }
}
