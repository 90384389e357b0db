package dev.hawser.bench.load;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A global rate limit shared by all clients: hands out send slots {@code 1/rate} apart, starting at the run's
 * start, so a run never bursts to catch up after a slow period by more than the slots it missed.
 */
final class Pacer {
    private final long intervalNanos;
    private final AtomicLong nextSlot;

    Pacer(double perSecond, long startNanos) {
        this.intervalNanos = Math.max(1, Math.round(1e9 / perSecond));
        this.nextSlot = new AtomicLong(startNanos);
    }

    /** Reserves the next slot; returns how long to wait for it (0 if it is due). */
    long reserve(long nowNanos) {
        long slot = nextSlot.getAndAdd(intervalNanos);
        return Math.max(0, slot - nowNanos);
    }
}
