package dev.hawser.kvstore.lease;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * On the leader, turns expired leases into replicated revocations, every 500 ms and at
 * most etcd's 1000 per second, so that every member deletes the keys at one revision.
 */
public final class ExpiryLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryLoop.class);
    private static final long PERIOD_MS = 500;
    private static final int MAX_PER_ROUND = 500;
    /** A revocation that did not land (an election, say) is proposed again after this. */
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final ScheduledFuture<?> task;

    public ExpiryLoop(Lessor lessor, LongFunction<CompletableFuture<?>> revoke, ScheduledExecutorService timer) {
        this.task = timer.scheduleWithFixedDelay(() -> {
            try {
                for (long id : lessor.takeExpired(MAX_PER_ROUND, RETRY_NANOS)) {
                    revoke.apply(id).whenComplete((r, err) -> {
                        if (err != null) {
                            LOG.debug("revoking expired lease {} failed; will retry", id, err);
                        }
                    });
                }
            } catch (RuntimeException e) {
                LOG.warn("lease expiry round failed", e);
            }
        }, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
