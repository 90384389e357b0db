package dev.hawser.kvstore.mvcc;

/**
 * A request the store refuses deterministically, the same way on every replica. Checked, so that the apply
 * layer turns it into a result instead of letting it escape the Raft state machine.
 */
public abstract sealed class MvccException extends Exception permits CompactedException, FutureRevException {
    private static final long serialVersionUID = 1L;

    MvccException(String message) {
        // No stack trace: these are expected outcomes (a watcher behind a compaction), not bugs, and clients can
        // cause many of them.
        super(message, null, false, false);
    }
}
