package dev.hawser.kvstore.api;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * When a Watch stream sends the events queued for it. A busy stream, one whose watchers are offered revisions
 * faster than {@link WatchLimits#BUSY_STREAM_OFFERS_PER_SECOND} (a fan-out of many watchers under a steady
 * stream of writes), sends at most once per interval, so that the revisions committed meanwhile join each
 * watcher's pending response. The same events then leave in fewer, larger responses, and most of a response's
 * cost is per response rather than per event: gRPC framing, a write, a wake-up of the client.
 *
 * <p>etcd gets the same effect by overflow: once a stream's 128-response buffer is full, its watchers are
 * caught up from history by a loop that runs every 100 ms. A stream below the rate sends as revisions commit.
 * The rate is measured over windows of at least the interval, so that a burst of a few commits does not count.
 */
final class DrainPacer {
    private final ScheduledExecutorService timer;
    private final long intervalNanos;
    private final Runnable drain;
    private final LongSupplier clock;
    private final AtomicBoolean waiting = new AtomicBoolean();
    /** Revisions offered to this stream's watchers (one per watcher per revision) in the current window. */
    private final AtomicLong offers = new AtomicLong();
    private long windowStart; // guarded by this
    private volatile boolean busy;
    private volatile long lastDrain;

    DrainPacer(ScheduledExecutorService timer, long intervalMillis, Runnable drain) {
        this(timer, intervalMillis, drain, System::nanoTime);
    }

    DrainPacer(ScheduledExecutorService timer, long intervalMillis, Runnable drain, LongSupplier clock) {
        this.timer = timer;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.drain = drain;
        this.clock = clock;
        this.windowStart = clock.getAsLong();
    }

    /** A watcher of this stream was offered a revision. */
    void offered() {
        offers.incrementAndGet();
    }

    /** New events are queued: drain now, or, on a busy stream, once the interval since the last drain has passed. */
    void eventsQueued() {
        if (intervalNanos == 0) {
            drain.run();
            return;
        }
        long now = clock.getAsLong();
        measure(now);
        long wait = busy ? lastDrain + intervalNanos - now : 0;
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

    private synchronized void measure(long now) {
        long elapsed = now - windowStart;
        if (elapsed >= intervalNanos) {
            double perSecond = offers.getAndSet(0) * 1e9 / elapsed;
            busy = perSecond >= WatchLimits.BUSY_STREAM_OFFERS_PER_SECOND;
            windowStart = now;
        }
    }

    /** A drain sent at least one response. */
    void drained() {
        lastDrain = clock.getAsLong();
    }
}
