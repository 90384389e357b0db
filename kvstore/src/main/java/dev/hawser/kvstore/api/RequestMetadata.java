package dev.hawser.kvstore.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Reads the request metadata etcd clients send: {@code hasleader=true} asks that a
 * stream fail rather than wait while the cluster has no leader.
 */
public final class RequestMetadata implements ServerInterceptor {
    private static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Boolean> REQUIRES_LEADER = Context.key("hawser-requires-leader");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        boolean requires = "true".equals(headers.get(HAS_LEADER));
        return Contexts.interceptCall(Context.current().withValue(REQUIRES_LEADER, requires), call, headers, next);
    }

    static boolean requiresLeader() {
        return Boolean.TRUE.equals(REQUIRES_LEADER.get());
    }
}
