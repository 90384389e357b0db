package dev.hawser.kvstore.api;

import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;
import io.grpc.stub.StreamObserver;

import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Replicates a request and answers the gRPC call with what applying it produced, or with
 * etcd's error. The answer is built on {@code executor}, not on the Raft apply thread.
 */
final class Replicated {
    private Replicated() {
    }

    static <T> void call(RaftNode raft, RaftRequest req, StreamObserver<T> out, Function<RaftResponse, T> answer,
                         Executor executor) {
        raft.propose(req).whenCompleteAsync((resp, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, err);
            } else if (resp.hasError()) {
                GrpcErrors.fail(out, ApplyErrors.toException(resp.getError()));
            } else {
                out.onNext(answer.apply(resp));
                out.onCompleted();
            }
        }, executor);
    }
}
