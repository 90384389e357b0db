package dev.hawser.kvstore.concurrency;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.DeleteRangeResponse;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import dev.hawser.proto.mvccpb.KeyValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * etcd's distributed lock ({@code concurrency.Mutex} as the v3lock server uses it). Lockers
 * queue as keys {@code name/hex(lease)} under {@code name/}; the key with the lowest create
 * revision holds the lock; each waiter waits for the deletion of the key just ahead of it.
 * Releasing is deleting the key, by Unlock or by the lease's expiry.
 */
public final class Mutex {
    private static final Logger LOG = LoggerFactory.getLogger(Mutex.class);
    /** etcd's concurrency.defaultSessionTTL: the lease the server grants a Lock without one. */
    static final long SESSION_TTL_SECONDS = 60;

    private final KvClient kv;

    public Mutex(KvClient kv) {
        this.kv = kv;
    }

    /**
     * The lock is held.
     * @param key      the holder's key, which Unlock deletes
     * @param revision the key's create revision: it grows with every acquisition, a fencing token
     */
    public record Held(ByteString key, long revision) {
    }

    /**
     * Acquires the lock named {@code name} for {@code lease}, waiting as long as it takes or until
     * {@code cancel} fires. Lease 0 means a fresh {@value #SESSION_TTL_SECONDS} s lease that
     * nobody keeps alive, as etcd's wrapper grants. On failure or cancellation the waiter's key
     * is deleted, so it does not hold up the queue.
     */
    public CompletableFuture<Held> lock(ByteString name, long lease, Cancellation cancel) {
        if (lease != 0) {
            return new Attempt(name, lease, false, cancel).run();
        }
        return kv.grantLease(SESSION_TTL_SECONDS).thenCompose(id -> new Attempt(name, id, true, cancel).run());
    }

    /** etcd's Unlock: delete the key; a missing key is no error. */
    public CompletableFuture<DeleteRangeResponse> unlock(ByteString key) {
        return kv.delete(key);
    }

    /** One Lock call: etcd's tryAcquire, then waitDeletes, then the 3.5 check that the key survived. */
    private final class Attempt {
        private final ByteString prefix;
        private final ByteString key;
        private final long lease;
        /** The lease was granted for this call, so nobody else knows it: revoke it on failure. */
        private final boolean ownLease;
        private final Cancellation cancel;
        /** Set once the acquiring transaction applied: from then on the key exists and failure must remove it. */
        private volatile boolean queued;

        Attempt(ByteString name, long lease, boolean ownLease, Cancellation cancel) {
            this.prefix = Requests.prefixOf(name);
            this.key = Requests.keyOf(prefix, lease);
            this.lease = lease;
            this.ownLease = ownLease;
            this.cancel = cancel;
        }

        CompletableFuture<Held> run() {
            return kv.txn(Requests.createOrGet(key, ByteString.EMPTY, lease, Requests.firstCreated(prefix)))
                    .thenCompose(this::acquire)
                    .handle((held, err) -> err == null ? CompletableFuture.completedFuture(held) : cleanUp(err))
                    .thenCompose(Function.identity());
        }

        private CompletableFuture<Held> acquire(TxnResponse resp) {
            queued = true;
            // A second Lock with the same lease finds its key and takes that key's place in the queue.
            long myRev = resp.getSucceeded()
                    ? resp.getHeader().getRevision()
                    : createRevisionOf(resp.getResponses(0).getResponseRange());
            List<KeyValue> owner = resp.getResponses(1).getResponseRange().getKvsList();
            if (owner.isEmpty() || owner.get(0).getCreateRevision() == myRev) {
                return CompletableFuture.completedFuture(new Held(key, myRev));
            }
            return Predecessors.awaitGone(kv, prefix, myRev - 1, cancel)
                    .thenCompose(header -> kv.range(Requests.get(key)))
                    .thenApply(r -> {
                        // The lease may have expired while we waited: then the key, and the lock, are gone.
                        if (r.getKvsCount() == 0 || r.getKvs(0).getCreateRevision() != myRev) {
                            throw new ConcurrencyException(ConcurrencyException.Kind.SESSION_EXPIRED);
                        }
                        return new Held(key, myRev);
                    });
        }

        private CompletableFuture<Held> cleanUp(Throwable err) {
            Throwable cause = KvClient.unwrap(err);
            CompletableFuture<?> undo;
            if (ownLease) {
                undo = kv.revokeLease(lease); // deletes the key too, if it was written
            } else if (queued && !(cause instanceof ConcurrencyException)) {
                undo = kv.delete(key);
            } else {
                undo = CompletableFuture.completedFuture(null);
            }
            return undo.handle((v, undoErr) -> {
                if (undoErr != null) {
                    LOG.debug("cleaning up lock key {} failed", key.toStringUtf8(), undoErr);
                }
                throw new CompletionException(cause);
            });
        }
    }

    private static long createRevisionOf(RangeResponse r) {
        return r.getKvsCount() == 0 ? 0 : r.getKvs(0).getCreateRevision();
    }
}
