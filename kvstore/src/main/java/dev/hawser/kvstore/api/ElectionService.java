package dev.hawser.kvstore.api;

import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.concurrency.Cancellation;
import dev.hawser.kvstore.concurrency.Election;
import dev.hawser.kvstore.concurrency.KvClient;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.kvstore.concurrency.LeaderObserver;
import dev.hawser.proto.mvccpb.KeyValue;
import dev.hawser.proto.v3electionpb.CampaignRequest;
import dev.hawser.proto.v3electionpb.CampaignResponse;
import dev.hawser.proto.v3electionpb.ElectionGrpc;
import dev.hawser.proto.v3electionpb.LeaderRequest;
import dev.hawser.proto.v3electionpb.LeaderResponse;
import dev.hawser.proto.v3electionpb.ProclaimRequest;
import dev.hawser.proto.v3electionpb.ProclaimResponse;
import dev.hawser.proto.v3electionpb.ResignRequest;
import dev.hawser.proto.v3electionpb.ResignResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.concurrent.Executor;

/** etcd's v3election service over {@link Election}; errors as {@link LockService#recipeError} maps them. */
public final class ElectionService extends ElectionGrpc.ElectionImplBase {
    private final Election election;
    private final Headers headers;

    private final Authorizer authorizer;

    public ElectionService(RaftNode raft, Headers headers, Executor executor, Authorizer authorizer) {
        this.election = new Election(new KvClient(raft, executor));
        this.headers = headers;
        this.authorizer = authorizer;
    }

    @Override
    public void campaign(CampaignRequest r, StreamObserver<CampaignResponse> out) {
        String user = Callers.user();
        if (!Callers.permitted(out, () -> {
            authorizer.checkRecipe(user, r.getName(), true);
            authorizer.checkLeaseRenew(user, r.getLease());
        })) {
            return;
        }
        ServerCallStreamObserver<CampaignResponse> call = (ServerCallStreamObserver<CampaignResponse>) out;
        Cancellation cancel = new Cancellation();
        call.setOnCancelHandler(cancel::cancel);
        election.campaign(r.getName(), r.getLease(), r.getValue(), cancel).whenComplete((won, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, LockService.recipeError(err));
            } else if (call.isCancelled()) {
                election.resign(won.leader()); // nobody would learn that it leads
            } else {
                out.onNext(CampaignResponse.newBuilder().setHeader(headers.of(won.revision()))
                        .setLeader(won.leader()).build());
                out.onCompleted();
            }
        });
    }

    @Override
    public void proclaim(ProclaimRequest r, StreamObserver<ProclaimResponse> out) {
        if (!Callers.permitted(out, () -> authorizer.checkKeyWrite(Callers.user(), r.getLeader().getKey()))) {
            return;
        }
        election.proclaim(r.getLeader(), r.getValue()).whenComplete((rev, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, LockService.recipeError(err));
            } else {
                out.onNext(ProclaimResponse.newBuilder().setHeader(headers.of(rev)).build());
                out.onCompleted();
            }
        });
    }

    @Override
    public void leader(LeaderRequest r, StreamObserver<LeaderResponse> out) {
        if (!Callers.permitted(out, () -> authorizer.checkRecipe(Callers.user(), r.getName(), false))) {
            return;
        }
        election.leader(r.getName()).whenComplete((leader, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, LockService.recipeError(err));
            } else {
                out.onNext(LeaderResponse.newBuilder().setHeader(headers.of(leader.revision())).setKv(leader.kv()).build());
                out.onCompleted();
            }
        });
    }

    @Override
    public void observe(LeaderRequest r, StreamObserver<LeaderResponse> out) {
        if (!Callers.permitted(out, () -> authorizer.checkRecipe(Callers.user(), r.getName(), false))) {
            return;
        }
        ServerCallStreamObserver<LeaderResponse> call = (ServerCallStreamObserver<LeaderResponse>) out;
        LeaderObserver observer = election.observer(r.getName(), new LeaderObserver.Listener() {
            @Override
            public boolean ready() {
                return call.isReady();
            }

            @Override
            public void leader(long revision, KeyValue kv) {
                call.onNext(LeaderResponse.newBuilder().setHeader(headers.of(revision)).setKv(kv).build());
            }

            @Override
            public void failed(Throwable t) {
                GrpcErrors.fail(out, LockService.recipeError(t));
            }
        });
        // Set before the first report can be sent: after a cancel, onNext must not be called.
        call.setOnCancelHandler(observer::cancel);
        observer.start();
    }

    @Override
    public void resign(ResignRequest r, StreamObserver<ResignResponse> out) {
        if (!Callers.permitted(out, () -> authorizer.checkKeyWrite(Callers.user(), r.getLeader().getKey()))) {
            return;
        }
        election.resign(r.getLeader()).whenComplete((rev, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, LockService.recipeError(err));
            } else {
                out.onNext(ResignResponse.newBuilder().setHeader(headers.of(rev)).build());
                out.onCompleted();
            }
        });
    }
}
