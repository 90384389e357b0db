package dev.hawser.kvstore.concurrency;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import dev.hawser.proto.mvccpb.KeyValue;
import dev.hawser.proto.v3electionpb.LeaderKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * etcd's leader election ({@code concurrency.Election} as the v3election server uses it).
 * Candidates queue as keys {@code name/hex(lease)} whose values are their proposals; the
 * oldest key is the leader. A campaign returns once every older candidate has gone.
 */
public final class Election {
    private static final Logger LOG = LoggerFactory.getLogger(Election.class);

    private final KvClient kv;

    public Election(KvClient kv) {
        this.kv = kv;
    }

    /**
     * Campaign won.
     * @param revision the revision of the campaign's transaction (etcd's response header)
     */
    public record Won(long revision, LeaderKey leader) {
    }

    /** The current leader's key/value, read at {@code revision}. */
    public record Leader(long revision, KeyValue kv) {
    }

    /**
     * Joins the election and returns once this candidate leads. Lease 0 means a fresh
     * {@value Mutex#SESSION_TTL_SECONDS} s lease, as etcd's wrapper grants. If {@code cancel}
     * fires while waiting, the candidate resigns.
     */
    public CompletableFuture<Won> campaign(ByteString name, long lease, ByteString value, Cancellation cancel) {
        if (lease != 0) {
            return new Candidacy(name, lease, false, value, cancel).run();
        }
        return kv.grantLease(Mutex.SESSION_TTL_SECONDS)
                .thenCompose(id -> new Candidacy(name, id, true, value, cancel).run());
    }

    /** Sets the leader's value, if {@code leader} still leads; else fails with "election: not leader". */
    public CompletableFuture<Long> proclaim(LeaderKey leader, ByteString value) {
        return kv.txn(Requests.ifCreatedAt(leader.getKey(), leader.getRev(),
                Requests.put(leader.getKey(), value, leader.getLease()))).thenApply(resp -> {
                    if (!resp.getSucceeded()) {
                        throw new ConcurrencyException(ConcurrencyException.Kind.NOT_LEADER);
                    }
                    return resp.getHeader().getRevision();
                });
    }

    /** Deletes the candidate's key if it is still the one the campaign created; no error otherwise. */
    public CompletableFuture<Long> resign(LeaderKey leader) {
        return kv.txn(Requests.ifCreatedAt(leader.getKey(), leader.getRev(), Requests.delete(leader.getKey())))
                .thenApply(resp -> resp.getHeader().getRevision());
    }

    /** The oldest candidate, by a linearizable read; "election: no leader" when there is none. */
    public CompletableFuture<Leader> leader(ByteString name) {
        return kv.range(Requests.firstCreated(Requests.prefixOf(name))).thenApply(resp -> {
            if (resp.getKvsCount() == 0) {
                throw new ConcurrencyException(ConcurrencyException.Kind.NO_LEADER);
            }
            return new Leader(resp.getHeader().getRevision(), resp.getKvs(0));
        });
    }

    /** An observer of the election's leaders; call {@link LeaderObserver#start()} once the listener is ready. */
    public LeaderObserver observer(ByteString name, LeaderObserver.Listener listener) {
        return new LeaderObserver(kv, Requests.prefixOf(name), listener);
    }

    private final class Candidacy {
        private final ByteString name;
        private final ByteString prefix;
        private final ByteString key;
        private final long lease;
        private final boolean ownLease;
        private final ByteString value;
        private final Cancellation cancel;
        /** Set once the campaign's transaction applied; from then on a cancelled campaign must resign. */
        private volatile LeaderKey queued;
        private volatile boolean proclaimFailed;

        Candidacy(ByteString name, long lease, boolean ownLease, ByteString value, Cancellation cancel) {
            this.name = name;
            this.prefix = Requests.prefixOf(name);
            this.key = Requests.keyOf(prefix, lease);
            this.lease = lease;
            this.ownLease = ownLease;
            this.value = value;
            this.cancel = cancel;
        }

        CompletableFuture<Won> run() {
            return kv.txn(Requests.createOrGet(key, value, lease))
                    .thenCompose(this::await)
                    .handle((won, err) -> err == null ? CompletableFuture.completedFuture(won) : cleanUp(err))
                    .thenCompose(Function.identity());
        }

        private CompletableFuture<Won> await(TxnResponse resp) {
            KeyValue existing = resp.getSucceeded() ? null : resp.getResponses(0).getResponseRange().getKvs(0);
            long rev = existing == null ? resp.getHeader().getRevision() : existing.getCreateRevision();
            LeaderKey leaderKey = LeaderKey.newBuilder().setName(name).setKey(key).setRev(rev).setLease(lease).build();
            queued = leaderKey;
            CompletableFuture<?> proclaimed = CompletableFuture.completedFuture(null);
            if (existing != null && !existing.getValue().equals(value)) {
                // Campaigning again with another value updates the proposal in place.
                proclaimed = proclaim(leaderKey, value).whenComplete((r, err) -> proclaimFailed = err != null);
            }
            return proclaimed
                    .thenCompose(v -> Predecessors.awaitGone(kv, prefix, rev - 1, cancel))
                    .thenApply(h -> new Won(resp.getHeader().getRevision(), leaderKey));
        }

        private CompletableFuture<Won> cleanUp(Throwable err) {
            Throwable cause = KvClient.unwrap(err);
            LeaderKey mine = queued;
            CompletableFuture<?> undo;
            if (ownLease) {
                undo = kv.revokeLease(lease);
            } else if (mine != null && (cancel.isCancelled() || proclaimFailed)) {
                undo = resign(mine);
            } else {
                // etcd keeps the key after other failures: campaigning again with the lease resumes the place.
                undo = CompletableFuture.completedFuture(null);
            }
            return undo.handle((v, undoErr) -> {
                if (undoErr != null) {
                    LOG.debug("cleaning up candidate key {} failed", key.toStringUtf8(), undoErr);
                }
                throw new CompletionException(cause);
            });
        }
    }
}
