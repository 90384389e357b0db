package dev.hawser.kvstore.api;

import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The one place where failures become gRPC statuses with etcd's code and text. */
final class GrpcErrors {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    static StatusRuntimeException toStatus(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof EtcdException e) {
            return of(e.error());
        }
        LOG.error("request failed unexpectedly", t);
        return Status.UNKNOWN.withDescription(String.valueOf(t.getMessage())).withCause(t).asRuntimeException();
    }

    static StatusRuntimeException of(EtcdError e) {
        return Status.fromCode(e.code()).withDescription(e.message()).asRuntimeException();
    }

    static void fail(StreamObserver<?> observer, Throwable t) {
        observer.onError(toStatus(t));
    }
}
