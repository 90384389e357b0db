package dev.hawser.orchestrator.it;

import java.time.Duration;

/** Waits for a condition that the system reaches asynchronously (controllers, agents, elections). */
final class Eventually {
    interface Check {
        boolean test() throws Exception;
    }

    private Eventually() {
    }

    /** {@link #until} with two minutes to spare, the patience these tests need on a busy 2-core machine. */
    static void await(Check condition, String what) throws InterruptedException {
        until(what, Duration.ofSeconds(120), condition);
    }

    /** Polls {@code condition} until true (failures and exceptions count as "not yet"), up to {@code timeout}. */
    static void until(String what, Duration timeout, Check condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.test()) {
                    return;
                }
            } catch (Exception | AssertionError notYet) {
                // not there yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
    }
}
