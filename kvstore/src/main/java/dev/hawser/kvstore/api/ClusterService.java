package dev.hawser.kvstore.api;

import dev.hawser.kvstore.raft.Membership;
import dev.hawser.kvstore.server.StoreConfig;
import dev.hawser.proto.etcdserverpb.ClusterGrpc;
import dev.hawser.proto.etcdserverpb.MemberAddRequest;
import dev.hawser.proto.etcdserverpb.MemberAddResponse;
import dev.hawser.proto.etcdserverpb.MemberListRequest;
import dev.hawser.proto.etcdserverpb.MemberListResponse;
import dev.hawser.proto.etcdserverpb.MemberPromoteRequest;
import dev.hawser.proto.etcdserverpb.MemberPromoteResponse;
import dev.hawser.proto.etcdserverpb.MemberRemoveRequest;
import dev.hawser.proto.etcdserverpb.MemberRemoveResponse;
import dev.hawser.proto.etcdserverpb.MemberUpdateRequest;
import dev.hawser.proto.etcdserverpb.MemberUpdateResponse;
import dev.hawser.proto.etcdserverpb.ResponseHeader;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** etcd's Cluster service, over {@link Membership}. */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final Membership membership;
    private final Headers headers;

    public ClusterService(Membership membership, Headers headers) {
        this.membership = membership;
        this.headers = headers;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
        out.onNext(MemberListResponse.newBuilder().setHeader(header()).addAllMembers(membership.list()).build());
        out.onCompleted();
    }

    @Override
    public void memberAdd(MemberAddRequest r, StreamObserver<MemberAddResponse> out) {
        if (!validUrls(r.getPeerURLsList(), out)) {
            return;
        }
        answer(membership.add(r.getPeerURLsList(), r.getIsLearner()), out, m -> MemberAddResponse.newBuilder()
                .setHeader(header()).setMember(m).addAllMembers(membership.list()).build());
    }

    @Override
    public void memberRemove(MemberRemoveRequest r, StreamObserver<MemberRemoveResponse> out) {
        answer(membership.remove(r.getID()), out, v -> MemberRemoveResponse.newBuilder()
                .setHeader(header()).addAllMembers(membership.list()).build());
    }

    @Override
    public void memberUpdate(MemberUpdateRequest r, StreamObserver<MemberUpdateResponse> out) {
        if (!validUrls(r.getPeerURLsList(), out)) {
            return;
        }
        answer(membership.update(r.getID(), r.getPeerURLsList()), out, v -> MemberUpdateResponse.newBuilder()
                .setHeader(header()).addAllMembers(membership.list()).build());
    }

    @Override
    public void memberPromote(MemberPromoteRequest r, StreamObserver<MemberPromoteResponse> out) {
        answer(membership.promote(r.getID()), out, v -> MemberPromoteResponse.newBuilder()
                .setHeader(header()).addAllMembers(membership.list()).build());
    }

    /** etcd's cluster responses carry no revision: membership is not part of the keyspace. */
    private ResponseHeader header() {
        return headers.of(0);
    }

    private static boolean validUrls(List<String> urls, StreamObserver<?> out) {
        try {
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("member needs at least one peer URL");
            }
            urls.forEach(StoreConfig::parseUrl);
            return true;
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return false;
        }
    }

    private static <T, R> void answer(CompletableFuture<T> f, StreamObserver<R> out, Function<T, R> build) {
        f.whenComplete((v, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, err);
            } else {
                out.onNext(build.apply(v));
                out.onCompleted();
            }
        });
    }
}
