package dev.hawser.kvstore.concurrency;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.errors.ApplyErrors;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.mvcc.TxnRead;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.kvstore.txn.Ranges;
import dev.hawser.kvstore.txn.TxnChecks;
import dev.hawser.kvstore.watch.WatchHub;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.DeleteRangeResponse;
import dev.hawser.proto.etcdserverpb.LeaseGrantRequest;
import dev.hawser.proto.etcdserverpb.LeaseRevokeRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;
import io.grpc.Status;

import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The member's own KV as etcd's recipes see it through {@code v3client}: writes are Raft
 * proposals, reads are linearizable (a ReadIndex barrier, then the local store), and waiting for
 * a deletion is an internal watcher. Every future completes on the api executor, so no
 * continuation runs on a Raft or gRPC transport thread.
 */
public final class KvClient {
    /** etcd's --max-txn-ops; the recipes' transactions hold at most three operations. */
    private static final int MAX_TXN_OPS = 128;
    /** A read that meets an election is retried this long, as clientv3 retries repeatable calls. */
    private static final long READ_RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RaftNode raft;
    private final Executor executor;
    private final SecureRandom leaseIds = new SecureRandom();
    private final AtomicLong watcherIds = new AtomicLong();

    public KvClient(RaftNode raft, Executor executor) {
        this.raft = raft;
        this.executor = executor;
    }

    Executor executor() {
        return executor;
    }

    WatchHub hub() {
        return raft.stateMachine().watchHub();
    }

    long nextWatcherId() {
        return watcherIds.decrementAndGet(); // negative: never confused with a client's watch ID in logs
    }

    CompletableFuture<TxnResponse> txn(TxnRequest t) {
        try {
            TxnChecks.checkTxn(t, MAX_TXN_OPS);
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return propose(RaftRequest.newBuilder().setTxn(t).build()).thenApply(RaftResponse::getTxn);
    }

    public CompletableFuture<DeleteRangeResponse> delete(ByteString key) {
        DeleteRangeRequest d = DeleteRangeRequest.newBuilder().setKey(key).build();
        try {
            TxnChecks.checkDelete(d);
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        return propose(RaftRequest.newBuilder().setDeleteRange(d).build()).thenApply(RaftResponse::getDeleteRange);
    }

    /** Grants a lease with a proposer-chosen ID (as LeaseService does) and returns the ID. */
    CompletableFuture<Long> grantLease(long ttlSeconds) {
        long id = leaseIds.nextLong() & Long.MAX_VALUE;
        LeaseGrantRequest grant = LeaseGrantRequest.newBuilder().setID(id == 0 ? 1 : id).setTTL(ttlSeconds).build();
        return propose(RaftRequest.newBuilder().setLeaseGrant(grant).build()).thenApply(r -> r.getLeaseGrant().getID());
    }

    CompletableFuture<Void> revokeLease(long id) {
        return propose(RaftRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)).build())
                .thenApply(r -> null);
    }

    /** A linearizable range; transient failures (an election) are retried for a while. */
    CompletableFuture<RangeResponse> range(RangeRequest r) {
        CompletableFuture<RangeResponse> out = new CompletableFuture<>();
        readAttempt(r, System.nanoTime() + READ_RETRY_NANOS, 50, out);
        return out;
    }

    /** Waits for {@code key} to be deleted at or after {@code fromRev}; see {@link KeyDeletion}. */
    KeyDeletion awaitDeletion(ByteString key, long fromRev) {
        return KeyDeletion.start(hub(), executor, nextWatcherId(), key, fromRev);
    }

    private void readAttempt(RangeRequest r, long deadline, long pauseMs, CompletableFuture<RangeResponse> out) {
        raft.readBarrier().thenApplyAsync(v -> readLocal(r), executor).whenComplete((resp, err) -> {
            if (err == null) {
                out.complete(resp);
            } else if (isTransient(err) && System.nanoTime() - deadline < 0) {
                CompletableFuture.delayedExecutor(pauseMs, TimeUnit.MILLISECONDS, executor)
                        .execute(() -> readAttempt(r, deadline, Math.min(pauseMs * 2, 1000), out));
            } else {
                out.completeExceptionally(unwrap(err));
            }
        });
    }

    private RangeResponse readLocal(RangeRequest r) {
        try {
            return raft.stateMachine().<RangeResponse, EtcdException>read(kv -> {
                try (TxnRead view = kv.read()) {
                    return Ranges.range(view, r);
                }
            });
        } catch (EtcdException e) {
            throw new CompletionException(e);
        }
    }

    private CompletableFuture<RaftResponse> propose(RaftRequest req) {
        return raft.propose(req).handleAsync((resp, err) -> {
            if (err != null) {
                throw new CompletionException(unwrap(err));
            }
            if (resp.hasError()) {
                throw new CompletionException(ApplyErrors.toException(resp.getError()));
            }
            return resp;
        }, executor);
    }

    /** Elections and timeouts: etcd's Unavailable errors, which a client may retry. */
    static boolean isTransient(Throwable t) {
        return unwrap(t) instanceof EtcdException e && e.error().code() == Status.Code.UNAVAILABLE;
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
