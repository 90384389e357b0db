package dev.hawser.kvstore.api;

import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.errors.ApplyErrors;
import dev.hawser.kvstore.errors.EtcdException;
import java.util.List;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.lease.Lessor;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.etcdserverpb.LeaseGrantRequest;
import dev.hawser.proto.etcdserverpb.LeaseGrantResponse;
import dev.hawser.proto.etcdserverpb.LeaseGrpc;
import dev.hawser.proto.etcdserverpb.LeaseKeepAliveRequest;
import dev.hawser.proto.etcdserverpb.LeaseKeepAliveResponse;
import dev.hawser.proto.etcdserverpb.LeaseLeasesRequest;
import dev.hawser.proto.etcdserverpb.LeaseLeasesResponse;
import dev.hawser.proto.etcdserverpb.LeaseRevokeRequest;
import dev.hawser.proto.etcdserverpb.LeaseRevokeResponse;
import dev.hawser.proto.etcdserverpb.LeaseStatus;
import dev.hawser.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.hawser.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.hawser.proto.raft.LeaderQuery;
import dev.hawser.proto.raft.LeaderQueryResponse;
import dev.hawser.proto.raft.RaftRequest;
import io.grpc.stub.StreamObserver;

import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * etcd's Lease service. Grants and revocations are replicated; keep-alives and TTL
 * questions go to the leader, whose clock alone decides expiry.
 */
public final class LeaseService extends LeaseGrpc.LeaseImplBase {
    private final RaftNode raft;
    private final Headers headers;
    private final Executor executor;
    private final QuotaGuard quota;
    private final SecureRandom ids = new SecureRandom();

    private final Authorizer authorizer;

    public LeaseService(RaftNode raft, Headers headers, Executor executor, long quotaBytes, Authorizer authorizer) {
        this.raft = raft;
        this.authorizer = authorizer;
        this.headers = headers;
        this.executor = executor;
        this.quota = new QuotaGuard(raft, headers.memberId(), quotaBytes);
    }

    @Override
    public void leaseGrant(LeaseGrantRequest r, StreamObserver<LeaseGrantResponse> out) {
        if (r.getTTL() > Lessor.MAX_TTL_SECONDS) {
            GrpcErrors.fail(out, EtcdError.LEASE_TTL_TOO_LARGE.exception());
            return;
        }
        try {
            quota.check(r.getSerializedSize());
        } catch (dev.hawser.kvstore.errors.EtcdException e) {
            GrpcErrors.fail(out, e);
            return;
        }
        // The proposer picks the ID, so that applying the grant is the same on every member.
        long id = r.getID() != 0 ? r.getID() : ids.nextLong() & Long.MAX_VALUE;
        LeaseGrantRequest grant = r.toBuilder().setID(id == 0 ? 1 : id).build();
        Replicated.call(raft, RaftRequest.newBuilder().setLeaseGrant(grant).setCaller(Callers.caller()).build(), out, resp -> resp.getLeaseGrant()
                .toBuilder().setHeader(headers.complete(resp.getLeaseGrant().getHeader())).build());
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest r, StreamObserver<LeaseRevokeResponse> out) {
        Replicated.call(raft, RaftRequest.newBuilder().setLeaseRevoke(r).setCaller(Callers.caller()).build(), out, resp -> resp.getLeaseRevoke()
                .toBuilder().setHeader(headers.complete(resp.getLeaseRevoke().getHeader())).build());
    }

    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
        String user = Callers.user();
        return new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveRequest r) {
                try {
                    authorizer.checkLeaseRenew(user, r.getID());
                } catch (EtcdException e) {
                    synchronized (out) {
                        GrpcErrors.fail(out, e);
                    }
                    return;
                }
                ask(LeaderQuery.newBuilder().setLeaseKeepAlive(r).build()).whenCompleteAsync((resp, err) -> {
                    synchronized (out) {
                        if (err != null) {
                            GrpcErrors.fail(out, err);
                        } else {
                            LeaseKeepAliveResponse k = resp.getLeaseKeepAlive();
                            out.onNext(k.toBuilder().setHeader(headers.of(currentRev())).build());
                        }
                    }
                }, executor);
            }

            @Override
            public void onError(Throwable t) {
                // the client went away; nothing to clean up
            }

            @Override
            public void onCompleted() {
                synchronized (out) {
                    out.onCompleted();
                }
            }
        };
    }

    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest r, StreamObserver<LeaseTimeToLiveResponse> out) {
        if (!Callers.permitted(out, () -> authorizer.checkLeaseRead(Callers.user(), r.getID()))) {
            return;
        }
        ask(LeaderQuery.newBuilder().setLeaseTimeToLive(r).build()).whenCompleteAsync((resp, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, err);
            } else {
                out.onNext(resp.getLeaseTimeToLive().toBuilder().setHeader(headers.of(currentRev())).build());
                out.onCompleted();
            }
        }, executor);
    }

    @Override
    public void leaseLeases(LeaseLeasesRequest r, StreamObserver<LeaseLeasesResponse> out) {
        LeaseLeasesResponse.Builder b = LeaseLeasesResponse.newBuilder().setHeader(headers.of(currentRev()));
        List<Long> ids = raft.stateMachine().lessor().ids();
        // Listing leases reveals nothing about keys, but etcd still asks for read access to every attached key.
        String user = Callers.user();
        if (!Callers.permitted(out, () -> {
            for (long id : ids) {
                authorizer.checkLeaseRead(user, id);
            }
        })) {
            return;
        }
        for (long id : ids) {
            b.addLeases(LeaseStatus.newBuilder().setID(id));
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    /** Asks the leader; across an election the question is asked again for a few seconds, as clients would. */
    private CompletableFuture<LeaderQueryResponse> ask(LeaderQuery q) {
        return ask(q, ELECTION_RETRIES);
    }

    private CompletableFuture<LeaderQueryResponse> ask(LeaderQuery q, int retriesLeft) {
        return raft.leaderQuery(q).thenApply(resp -> {
            if (resp.hasError()) {
                throw new CompletionException(ApplyErrors.toException(resp.getError()));
            }
            return resp;
        }).handle((resp, err) -> {
            if (err == null) {
                return CompletableFuture.completedFuture(resp);
            }
            if (retriesLeft > 0 && isElection(GrpcErrors.toStatus(err))) {
                return CompletableFuture.supplyAsync(() -> null,
                                CompletableFuture.delayedExecutor(RETRY_DELAY_MS, TimeUnit.MILLISECONDS, executor))
                        .thenCompose(v -> ask(q, retriesLeft - 1));
            }
            return CompletableFuture.<LeaderQueryResponse>failedFuture(err);
        }).thenCompose(f -> f);
    }

    private static final int ELECTION_RETRIES = 15;
    private static final long RETRY_DELAY_MS = 200;

    private static boolean isElection(io.grpc.StatusRuntimeException s) {
        return s.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE;
    }

    private long currentRev() {
        return raft.stateMachine().read(kv -> kv.rev());
    }
}
