package dev.hawser.kvstore.concurrency;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.etcdserverpb.ResponseHeader;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code waitDeletes}: waits until no key under a prefix has a create revision at or
 * below a bound, that is, until every participant queued ahead has gone. It watches one
 * predecessor at a time, the youngest, so a release wakes only the next in line (no thundering
 * herd); after each deletion it reads again, because older predecessors may still be there.
 */
final class Predecessors {
    private final KvClient kv;
    private final ByteString prefix;
    private final long maxCreateRev;
    private final Cancellation cancel;
    private final CompletableFuture<ResponseHeader> done = new CompletableFuture<>();

    private Predecessors(KvClient kv, ByteString prefix, long maxCreateRev, Cancellation cancel) {
        this.kv = kv;
        this.prefix = prefix;
        this.maxCreateRev = maxCreateRev;
        this.cancel = cancel;
    }

    /** Completes with the header of the read that found none left; fails if cancelled or a read fails. */
    static CompletableFuture<ResponseHeader> awaitGone(KvClient kv, ByteString prefix, long maxCreateRev,
                                                        Cancellation cancel) {
        Predecessors p = new Predecessors(kv, prefix, maxCreateRev, cancel);
        p.next();
        return p.done;
    }

    /** One round: read the youngest predecessor, then wait for its deletion. Each round starts on the executor. */
    private void next() {
        if (cancel.isCancelled()) {
            done.completeExceptionally(new CancellationException("cancelled while waiting"));
            return;
        }
        kv.range(Requests.lastCreatedUpTo(prefix, maxCreateRev)).whenComplete((resp, err) -> {
            if (err != null) {
                done.completeExceptionally(err);
            } else if (resp.getKvsCount() == 0) {
                done.complete(resp.getHeader());
            } else {
                waitFor(resp);
            }
        });
    }

    private void waitFor(RangeResponse resp) {
        // The read saw the key at its revision, so a delete can only come after it.
        KeyDeletion deletion = kv.awaitDeletion(resp.getKvs(0).getKey(), resp.getHeader().getRevision() + 1);
        cancel.whileWaiting(deletion::cancel);
        deletion.future().whenComplete((v, err) -> {
            if (err != null) {
                done.completeExceptionally(err);
            } else {
                next();
            }
        });
    }
}
