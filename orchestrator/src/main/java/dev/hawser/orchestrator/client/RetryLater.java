package dev.hawser.orchestrator.client;

/** Thrown by a reconcile that cannot finish yet for an expected reason: requeued with back-off, logged quietly. */
public final class RetryLater extends RuntimeException {
    public RetryLater(String message) {
        super(message, null, false, false);
    }
}
