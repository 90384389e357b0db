package dev.hawser.kvstore.snapshot;

import java.io.IOException;

/** A snapshot file that cannot be used, with a message fit for the person who supplied it. */
public final class SnapshotException extends IOException {
    private static final long serialVersionUID = 1L;

    public SnapshotException(String message) {
        super(message);
    }
}
