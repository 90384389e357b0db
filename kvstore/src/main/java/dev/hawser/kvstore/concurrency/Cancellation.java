package dev.hawser.kvstore.concurrency;

/**
 * A one-shot signal that the caller gave up (the client cancelled, or its deadline passed).
 * A recipe checks it between steps and, while it waits, registers how to stop the wait.
 */
public final class Cancellation {
    private boolean cancelled;
    private Runnable onCancel;

    /** Stops the current wait, if any; later steps see {@link #isCancelled()}. Idempotent. */
    public void cancel() {
        Runnable hook;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            hook = onCancel;
            onCancel = null;
        }
        if (hook != null) {
            hook.run();
        }
    }

    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /** {@code hook} stops the wait now in progress; it replaces the previous one, and runs at once if already cancelled. */
    void whileWaiting(Runnable hook) {
        synchronized (this) {
            if (!cancelled) {
                onCancel = hook;
                return;
            }
        }
        hook.run();
    }
}
