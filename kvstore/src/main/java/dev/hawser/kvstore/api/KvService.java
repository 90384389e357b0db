package dev.hawser.kvstore.api;

import com.google.protobuf.MessageLite;
import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.mvcc.TxnRead;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.kvstore.txn.LeaseLookup;
import dev.hawser.kvstore.txn.Ranges;
import dev.hawser.kvstore.txn.TxnChecks;
import dev.hawser.kvstore.txn.Txns;
import dev.hawser.proto.etcdserverpb.CompactionRequest;
import dev.hawser.proto.etcdserverpb.CompactionResponse;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.DeleteRangeResponse;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.PutResponse;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * etcd's KV service: validate, then either read locally (after a ReadIndex barrier
 * unless serializable) or replicate through Raft, then fill the header.
 */
public final class KvService extends KVGrpc.KVImplBase {
    private final RaftNode raft;
    private final Headers headers;
    private final Limits limits;
    private final Executor executor;
    private final QuotaGuard quota;
    private final Txns readOnlyTxns = new Txns(LeaseLookup.NONE);

    private final Authorizer authorizer;

    public KvService(RaftNode raft, Headers headers, Limits limits, Executor executor, long quotaBytes,
                     Authorizer authorizer) {
        this.raft = raft;
        this.authorizer = authorizer;
        this.headers = headers;
        this.limits = limits;
        this.executor = executor;
        this.quota = new QuotaGuard(raft, headers.memberId(), quotaBytes);
    }

    @Override
    public void range(RangeRequest r, StreamObserver<RangeResponse> out) {
        try {
            TxnChecks.checkRange(r);
        } catch (EtcdException e) {
            GrpcErrors.fail(out, e);
            return;
        }
        String user = Callers.user();
        read(r.getSerializable(), () -> raft.stateMachine().read(kv -> {
            authorizer.checkRange(user, r);
            try (TxnRead view = kv.read()) {
                RangeResponse resp = Ranges.range(view, r);
                return resp.toBuilder().setHeader(headers.complete(resp.getHeader())).build();
            }
        }), out);
    }

    @Override
    public void put(PutRequest p, StreamObserver<PutResponse> out) {
        try {
            checkSize(p);
            TxnChecks.checkPut(p);
            quota.check(p.getSerializedSize());
        } catch (EtcdException e) {
            GrpcErrors.fail(out, e);
            return;
        }
        replicate(RaftRequest.newBuilder().setPut(p), out,
                resp -> resp.getPut().toBuilder().setHeader(headers.complete(resp.getPut().getHeader())).build());
    }

    @Override
    public void deleteRange(DeleteRangeRequest d, StreamObserver<DeleteRangeResponse> out) {
        try {
            checkSize(d);
            TxnChecks.checkDelete(d);
        } catch (EtcdException e) {
            GrpcErrors.fail(out, e);
            return;
        }
        replicate(RaftRequest.newBuilder().setDeleteRange(d), out, resp -> resp.getDeleteRange().toBuilder()
                .setHeader(headers.complete(resp.getDeleteRange().getHeader())).build());
    }

    @Override
    public void txn(TxnRequest t, StreamObserver<TxnResponse> out) {
        try {
            checkSize(t);
            TxnChecks.checkTxn(t, limits.maxTxnOps());
            if (!Txns.isWriteFree(t)) {
                quota.check(t.getSerializedSize());
            }
        } catch (EtcdException e) {
            GrpcErrors.fail(out, e);
            return;
        }
        if (Txns.isReadOnly(t)) {
            // A read-only transaction needs no log entry, only the same barrier as a read.
            String user = Callers.user();
            read(allSerializable(t), () -> raft.stateMachine().read(kv -> {
                authorizer.checkTxn(user, t);
                try (TxnRead view = kv.read()) {
                    TxnResponse resp = readOnlyTxns.txn(view, t);
                    return resp.toBuilder().setHeader(headers.complete(resp.getHeader())).build();
                }
            }), out);
            return;
        }
        replicate(RaftRequest.newBuilder().setTxn(t), out,
                resp -> resp.getTxn().toBuilder().setHeader(headers.complete(resp.getTxn().getHeader())).build());
    }

    @Override
    public void compact(CompactionRequest c, StreamObserver<CompactionResponse> out) {
        replicate(RaftRequest.newBuilder().setCompaction(c), out, resp -> resp.getCompaction().toBuilder()
                .setHeader(headers.complete(resp.getCompaction().getHeader())).build());
    }

    private void checkSize(MessageLite m) throws EtcdException {
        if (m.getSerializedSize() > limits.maxRequestBytes()) {
            throw EtcdError.REQUEST_TOO_LARGE.exception();
        }
    }

    private static boolean allSerializable(TxnRequest t) {
        return opsSerializable(t.getSuccessList()) && opsSerializable(t.getFailureList());
    }

    private static boolean opsSerializable(List<RequestOp> ops) {
        for (RequestOp op : ops) {
            if (op.hasRequestRange() && !op.getRequestRange().getSerializable()) {
                return false;
            }
            if (op.hasRequestTxn() && !allSerializable(op.getRequestTxn())) {
                return false;
            }
        }
        return true;
    }

    /** A local read, preceded by a ReadIndex barrier unless the client accepts stale data. */
    private <T> void read(boolean serializable, ReadCall<T> call, StreamObserver<T> out) {
        CompletableFuture<Void> ready = serializable ? CompletableFuture.completedFuture(null) : raft.readBarrier();
        ready.thenApplyAsync(v -> {
            try {
                return call.run();
            } catch (EtcdException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, executor).whenComplete((resp, err) -> respond(out, resp, err));
    }

    @FunctionalInterface
    private interface ReadCall<T> {
        T run() throws EtcdException;
    }

    /** Replicates the request with its caller, whose permissions are checked when it is applied. */
    private <T> void replicate(RaftRequest.Builder req, StreamObserver<T> out, Function<RaftResponse, T> answer) {
        Replicated.call(raft, req.setCaller(Callers.caller()).build(), out, answer);
    }

    private static <T> void respond(StreamObserver<T> out, T resp, Throwable err) {
        if (err != null) {
            GrpcErrors.fail(out, err);
            return;
        }
        out.onNext(resp);
        out.onCompleted();
    }
}
