package dev.hawser.kvstore.api;

import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.proto.raft.ApplyError;
import io.grpc.Status;

/** Turns an error that was decided while applying a log entry back into the client's error. */
final class ApplyErrors {
    private ApplyErrors() {
    }

    static Throwable toException(ApplyError e) {
        EtcdError known = EtcdError.of(e.getCode(), e.getMessage());
        if (known != null) {
            return new EtcdException(known);
        }
        return Status.fromCodeValue(e.getCode()).withDescription(e.getMessage()).asRuntimeException();
    }
}
