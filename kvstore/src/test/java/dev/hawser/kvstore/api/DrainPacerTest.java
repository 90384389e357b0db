package dev.hawser.kvstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stream's drains are held back only right after a busy one: the clock is the test's, the timer is real but
 * its queue is inspected rather than waited on.
 */
class DrainPacerTest {
    private static final long INTERVAL_MS = 50;
    private static final int BUSY = WatchLimits.BUSY_STREAM_RESPONSES;

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger drains = new AtomicInteger();
    private final DrainPacer pacer = new DrainPacer(timer, INTERVAL_MS, drains::incrementAndGet, now::get);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void aQuietStreamDrainsAtOnce() {
        pacer.eventsQueued();
        pacer.drained(BUSY - 1);
        pacer.eventsQueued();
        assertEquals(2, drains.get());
        assertTrue(timer.getQueue().isEmpty());
    }

    @Test
    void afterABusyDrainEventsWaitForOneDrainAtTheEndOfTheInterval() throws Exception {
        pacer.drained(BUSY);
        advanceMillis(10);
        pacer.eventsQueued();
        pacer.eventsQueued();
        pacer.eventsQueued();
        assertEquals(0, drains.get(), "nothing sent inside the interval");
        assertEquals(1, timer.getQueue().size(), "one deferred drain for all three");
        long delayMs = ((java.util.concurrent.ScheduledFuture<?>) timer.getQueue().peek()).getDelay(TimeUnit.MILLISECONDS);
        assertTrue(delayMs > 0 && delayMs <= INTERVAL_MS - 10, "waits the rest of the interval, not more: " + delayMs);

        timer.shutdown();
        assertTrue(timer.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(1, drains.get());
    }

    @Test
    void eventsQueuedAfterTheDeferredDrainStartedGetTheirOwnDrain() throws Exception {
        pacer.drained(BUSY);
        pacer.eventsQueued();
        timer.shutdown();
        assertTrue(timer.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(1, drains.get());

        advanceMillis(INTERVAL_MS);
        pacer.eventsQueued();
        assertEquals(2, drains.get(), "the interval is over: at once");
    }

    @Test
    void aSmallDrainEndsTheBusySpell() {
        pacer.drained(BUSY);
        pacer.drained(3);
        pacer.eventsQueued();
        assertEquals(1, drains.get());
        assertTrue(timer.getQueue().isEmpty());
    }

    @Test
    void zeroIntervalNeverWaits() {
        DrainPacer off = new DrainPacer(timer, 0, drains::incrementAndGet, now::get);
        off.drained(10 * BUSY);
        off.eventsQueued();
        assertEquals(1, drains.get());
        assertTrue(timer.getQueue().isEmpty());
    }
}
