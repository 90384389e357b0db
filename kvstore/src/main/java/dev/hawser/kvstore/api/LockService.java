package dev.hawser.kvstore.api;

import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.concurrency.Cancellation;
import dev.hawser.kvstore.concurrency.ConcurrencyException;
import dev.hawser.kvstore.concurrency.KvClient;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.kvstore.concurrency.Mutex;
import dev.hawser.proto.v3lockpb.LockGrpc;
import dev.hawser.proto.v3lockpb.LockRequest;
import dev.hawser.proto.v3lockpb.LockResponse;
import dev.hawser.proto.v3lockpb.UnlockRequest;
import dev.hawser.proto.v3lockpb.UnlockResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * etcd's v3lock service over {@link Mutex}. Lock answers only once the lock is held, which may
 * take as long as the client waits; a client that cancels (or whose deadline passes) leaves the
 * queue, and a lock acquired for a client already gone is released again.
 */
public final class LockService extends LockGrpc.LockImplBase {
    private final Mutex mutex;
    private final Headers headers;

    private final Authorizer authorizer;

    public LockService(RaftNode raft, Headers headers, Executor executor, Authorizer authorizer) {
        this.mutex = new Mutex(new KvClient(raft, executor));
        this.headers = headers;
        this.authorizer = authorizer;
    }

    @Override
    public void lock(LockRequest r, StreamObserver<LockResponse> out) {
        String user = Callers.user();
        if (!Callers.permitted(out, () -> {
            authorizer.checkRecipe(user, r.getName(), true);
            authorizer.checkLeaseRenew(user, r.getLease());
        })) {
            return;
        }
        ServerCallStreamObserver<LockResponse> call = (ServerCallStreamObserver<LockResponse>) out;
        Cancellation cancel = new Cancellation();
        call.setOnCancelHandler(cancel::cancel);
        mutex.lock(r.getName(), r.getLease(), cancel).whenComplete((held, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, recipeError(err));
            } else if (call.isCancelled()) {
                mutex.unlock(held.key()); // nobody would learn that it holds the lock
            } else {
                // The key's create revision: clients use the header revision as a fencing token.
                out.onNext(LockResponse.newBuilder().setHeader(headers.of(held.revision())).setKey(held.key()).build());
                out.onCompleted();
            }
        });
    }

    @Override
    public void unlock(UnlockRequest r, StreamObserver<UnlockResponse> out) {
        if (!Callers.permitted(out, () -> authorizer.checkKeyWrite(Callers.user(), r.getKey()))) {
            return;
        }
        mutex.unlock(r.getKey()).whenComplete((resp, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, err);
            } else {
                out.onNext(UnlockResponse.newBuilder().setHeader(headers.complete(resp.getHeader())).build());
                out.onCompleted();
            }
        });
    }

    /**
     * The recipes' own errors are plain errors in etcd, so they reach clients as UNKNOWN with
     * their text; a wait the client abandoned ends as CANCELLED. Everything else is etcd's.
     */
    static Throwable recipeError(Throwable err) {
        Throwable t = err;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ConcurrencyException e) {
            return Status.UNKNOWN.withDescription(e.getMessage()).asRuntimeException();
        }
        if (t instanceof CancellationException) {
            return Status.CANCELLED.withDescription("context canceled").asRuntimeException();
        }
        return t;
    }
}
