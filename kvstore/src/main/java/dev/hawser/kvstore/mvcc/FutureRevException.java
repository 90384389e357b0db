package dev.hawser.kvstore.mvcc;

/** The requested revision is newer than the current revision. */
public final class FutureRevException extends MvccException {
    private static final long serialVersionUID = 1L;

    public FutureRevException() {
        super("mvcc: required revision is a future revision");
    }
}
