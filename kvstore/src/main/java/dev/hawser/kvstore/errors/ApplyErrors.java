package dev.hawser.kvstore.errors;

import dev.hawser.proto.raft.ApplyError;
import io.grpc.Status;

/**
 * An error decided while applying a log entry travels in the entry's response as a code and text; this turns it
 * back into the error the client sees. Every member applies the same entries, so any member can answer with it.
 */
public final class ApplyErrors {
    private ApplyErrors() {
    }

    /** One of etcd's errors, or, for a code this build does not know, a gRPC status with the same code and text. */
    public static Exception toException(ApplyError e) {
        EtcdError known = EtcdError.of(e.getCode(), e.getMessage());
        if (known != null) {
            return new EtcdException(known);
        }
        return Status.fromCodeValue(e.getCode()).withDescription(e.getMessage()).asRuntimeException();
    }
}
