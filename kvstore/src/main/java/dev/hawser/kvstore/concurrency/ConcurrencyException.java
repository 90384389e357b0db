package dev.hawser.kvstore.concurrency;

/**
 * The recipes' own failures. etcd returns them as plain Go errors, so clients see gRPC code
 * UNKNOWN with exactly these texts (jetcd matches on them).
 */
public final class ConcurrencyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The texts, byte for byte as in etcd's {@code concurrency} package. */
    public enum Kind {
        /** The lock key vanished while its owner waited (its lease expired or was revoked). */
        SESSION_EXPIRED("mutex: session is expired"),
        /** Proclaim by a candidate that no longer holds its key at the campaign's revision. */
        NOT_LEADER("election: not leader"),
        /** Leader asked of an election with no candidates. */
        NO_LEADER("election: no leader");

        private final String message;

        Kind(String message) {
            this.message = message;
        }

        public String message() {
            return message;
        }
    }

    private final transient Kind kind;

    ConcurrencyException(Kind kind) {
        super(kind.message(), null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
