package dev.hawser.jepsen.client;

import dev.hawser.jepsen.history.Op;
import io.grpc.Status;

import java.net.ConnectException;

/**
 * Maps a failed request to FAIL (certainly no effect) or INFO (may have taken effect). Errors that
 * etcd returns before anything is proposed (bad argument, precondition, not found, compacted...)
 * and connections that were never established are FAIL. Anything after the request may have
 * left (timeouts, "leader changed", "no leader", resets) is INFO for a write and FAIL for a read,
 * since a read has no effect.
 */
public final class Errors {
    private Errors() {
    }

    public static Op.Type classify(Throwable t, boolean mutating) {
        Status s = Status.fromThrowable(t);
        switch (s.getCode()) {
            case INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, OUT_OF_RANGE, PERMISSION_DENIED,
                 UNAUTHENTICATED, UNIMPLEMENTED, ALREADY_EXISTS:
                return Op.Type.FAIL;
            default:
                break;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return Op.Type.FAIL;
            }
        }
        return mutating ? Op.Type.INFO : Op.Type.FAIL;
    }

    public static String describe(Throwable t) {
        Status s = Status.fromThrowable(t);
        String d = s.getDescription();
        return s.getCode() + (d == null ? "" : ": " + (d.length() > 80 ? d.substring(0, 80) : d));
    }
}
