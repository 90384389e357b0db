package dev.hawser.kvstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The drainer takes responses in order, and only those added before the last release. */
class ResponseQueueTest {

    @Test
    void nothingLeavesBeforeItIsReleased() {
        ResponseQueue<String> q = new ResponseQueue<>();
        q.add("a");

        assertFalse(q.hasReleased());
        assertNull(q.takeReleased());
        assertEquals(1, q.size());
    }

    @Test
    void aResumedDrainStopsAtTheMarkAndLaterAddsWaitForTheNextRelease() {
        ResponseQueue<String> q = new ResponseQueue<>();
        q.add("a");
        q.add("b");
        q.release();
        q.add("c"); // begun after the paced drain: it waits and grows

        assertEquals("a", q.takeReleased());
        // flow control cut the drain here; onReady resumes it without releasing
        assertEquals("b", q.takeReleased());
        assertNull(q.takeReleased());
        assertEquals(1, q.size());

        q.release();
        assertTrue(q.hasReleased());
        assertEquals("c", q.takeReleased());
        assertEquals(0, q.size());
        assertNull(q.takeReleased());
    }

    @Test
    void clearEmptiesIt() {
        ResponseQueue<String> q = new ResponseQueue<>();
        q.add("a");
        q.release();
        q.clear();

        assertEquals(0, q.size());
        assertNull(q.takeReleased());
    }
}
