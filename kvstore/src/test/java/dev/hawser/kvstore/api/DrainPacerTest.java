package dev.hawser.kvstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stream's drains are held back only while its watchers are offered revisions faster than the busy rate. The
 * clock is the test's; the timer is real, but its queue is inspected and run by the test rather than waited on.
 */
class DrainPacerTest {
    /** Long enough that the real timer never fires during a test: the test runs what it queued. */
    private static final long INTERVAL_MS = 10_000;
    /** Offers in one interval at exactly the busy rate. */
    private static final int BUSY_WINDOW = (int) (WatchLimits.BUSY_STREAM_OFFERS_PER_SECOND * INTERVAL_MS / 1000);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger drains = new AtomicInteger();
    private final DrainPacer pacer = new DrainPacer(timer, INTERVAL_MS, this::drain, now::get);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private void drain() {
        drains.incrementAndGet();
        pacer.drained();
    }

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    /** One window of offers at the given share of the busy rate, each batch of them followed by a flush. */
    private void window(DrainPacer p, double shareOfBusyRate) {
        int offers = (int) Math.ceil(BUSY_WINDOW * shareOfBusyRate);
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < offers / 10; j++) {
                p.offered();
            }
            advanceMillis(INTERVAL_MS / 10);
            p.eventsQueued();
        }
    }

    /** Runs the drains the pacer deferred, as the timer would once their delay is over. */
    private void runTimer() {
        for (Runnable deferred : timer.getQueue().toArray(new Runnable[0])) {
            timer.remove(deferred);
            deferred.run();
        }
    }

    @Test
    void aStreamBelowTheBusyRateDrainsAtEveryFlush() {
        window(pacer, 0.9);
        window(pacer, 0.9);
        assertEquals(20, drains.get());
        assertTrue(timer.getQueue().isEmpty());
    }

    @Test
    void aBusyStreamDrainsOnceAtTheEndOfTheIntervalForAllItsFlushes() {
        window(pacer, 1.1); // the last flush closes the window, finds it busy and is held back already
        assertEquals(9, drains.get());
        pacer.eventsQueued();
        pacer.eventsQueued();
        assertEquals(9, drains.get(), "nothing sent inside the interval");
        assertEquals(1, timer.getQueue().size(), "one deferred drain for all three");
        long delayMs = ((ScheduledFuture<?>) timer.getQueue().peek()).getDelay(TimeUnit.MILLISECONDS);
        long sinceLastDrain = INTERVAL_MS / 10;
        assertTrue(delayMs > 0 && delayMs <= INTERVAL_MS - sinceLastDrain,
                "waits the rest of the interval since the last drain, not more: " + delayMs);

        runTimer();
        assertEquals(10, drains.get());
    }

    @Test
    void aFlushAnIntervalAfterTheLastDrainDrainsAtOnceEvenWhenBusy() {
        window(pacer, 2);
        assertEquals(9, drains.get());
        advanceMillis(INTERVAL_MS);
        pacer.eventsQueued();
        assertEquals(10, drains.get());
    }

    @Test
    void aBurstWithinOneWindowDoesNotMakeAStreamBusy() {
        for (int i = 0; i < 10 * BUSY_WINDOW; i++) {
            pacer.offered();
        }
        advanceMillis(1);
        pacer.eventsQueued();
        advanceMillis(1);
        pacer.eventsQueued();
        assertEquals(2, drains.get());
        assertTrue(timer.getQueue().isEmpty());
    }

    @Test
    void aStreamThatQuietsDownDrainsAtOnceAgainAfterOneWindow() {
        window(pacer, 2);
        window(pacer, 0.5); // held back while this window is measured...
        runTimer();
        int before = drains.get();
        advanceMillis(1);
        pacer.eventsQueued(); // ...and sent at once from the next flush on
        assertEquals(before + 1, drains.get());
    }

    @Test
    void zeroIntervalNeverWaits() {
        DrainPacer off = new DrainPacer(timer, 0, drains::incrementAndGet, now::get);
        window(off, 10);
        assertEquals(10, drains.get());
        assertTrue(timer.getQueue().isEmpty());
    }
}
