package dev.hawser.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommitPushesTest {
    private final CommitPushes pushes = new CommitPushes();

    @Test
    void aFollowerThatKnowsTheCommitGetsNoPush() {
        assertFalse(pushes.worthPushing(10, 10, 10));
    }

    @Test
    void eachCommitIndexIsPushedOnce() {
        assertTrue(pushes.worthPushing(10, 10, 9));
        pushes.sent(10, 10);
        // The follower's reply has not come back yet: the leader still sees it at 9.
        assertFalse(pushes.worthPushing(10, 10, 9));
        assertTrue(pushes.worthPushing(11, 11, 9));
    }

    @Test
    void noPushBeyondWhatTheFollowerFlushed() {
        assertFalse(pushes.worthPushing(10, 8, 8));
        // Its reply to the entries reports them flushed: now the push lets it commit.
        assertTrue(pushes.worthPushing(10, 10, 8));
    }

    @Test
    void aPushSentBeforeTheFlushIsSentAgainAfterIt() {
        pushes.sent(10, 8);
        assertFalse(pushes.worthPushing(10, 8, 8));
        assertTrue(pushes.worthPushing(10, 10, 8));
    }

    @Test
    void entriesCarryTheCommitIndexUpToTheirLastEntry() {
        pushes.sent(10, 12);
        assertFalse(pushes.worthPushing(10, 12, 8));
        pushes.sent(14, 12);
        assertFalse(pushes.worthPushing(12, 12, 10));
        assertTrue(pushes.worthPushing(14, 14, 12));
    }
}
