package dev.hawser.kvstore.server;

import com.google.common.util.concurrent.MoreExecutors;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;

import java.util.concurrent.Executor;

/**
 * Runs the KV service's calls on the gRPC transport thread that read them instead of the api pool. Its
 * handlers only check a request and hand it on (to the proposal queue, or to a read that moves to the api pool
 * by itself), so the pool's thread hand-off bought nothing and cost a thread wake-up per request. The other
 * services keep the pool, since some of them block (password hashing, snapshot streams). The interceptors still
 * run on the pool: gRPC looks up the call's executor there.
 */
final class KvCallsOnTransport implements ServerCallExecutorSupplier {
    @Override
    public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
        return KVGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())
                ? MoreExecutors.directExecutor() : null;
    }
}
