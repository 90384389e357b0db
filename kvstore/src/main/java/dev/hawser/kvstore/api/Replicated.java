package dev.hawser.kvstore.api;

import dev.hawser.kvstore.errors.ApplyErrors;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;
import io.grpc.stub.StreamObserver;

import java.util.function.Function;

/**
 * Replicates a request and answers the gRPC call with what applying it produced, or with
 * etcd's error. {@link RaftNode#propose} completes on the API executor, so the answer is
 * built there, never on the Raft apply thread.
 */
final class Replicated {
    private Replicated() {
    }

    static <T> void call(RaftNode raft, RaftRequest req, StreamObserver<T> out, Function<RaftResponse, T> answer) {
        raft.propose(req).whenComplete((resp, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, err);
            } else if (resp.hasError()) {
                GrpcErrors.fail(out, ApplyErrors.toException(resp.getError()));
            } else {
                out.onNext(answer.apply(resp));
                out.onCompleted();
            }
        });
    }
}
