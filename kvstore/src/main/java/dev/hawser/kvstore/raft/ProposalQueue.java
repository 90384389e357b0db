package dev.hawser.kvstore.raft;

import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * Coalesces the writes that arrive at this member into batches, one Raft log entry each (etcd batches its
 * proposals the same way, in its raft loop). One thread drains the queue: it takes what is pending, up to
 * {@link Limits#maxRequests} and {@link Limits#maxBytes}, and hands it to the sender as one batch. At most
 * {@link Limits#maxInFlight} batches wait for their entry's answer at a time; meanwhile new writes pile up, so
 * batches grow with the load and a lone write is sent at once. A request {@link Proposal#batchable} refuses
 * travels alone.
 */
final class ProposalQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProposalQueue.class);

    /**
     * @param maxRequests requests per batch
     * @param maxBytes    serialized bytes per batch; a larger request still goes, alone
     * @param maxInFlight batches sent and not yet answered
     */
    record Limits(int maxRequests, long maxBytes, int maxInFlight) {
        static final Limits DEFAULT = new Limits(1024, 1 << 20, 2);

        Limits {
            if (maxRequests < 1 || maxBytes < 1 || maxInFlight < 1) {
                throw new IllegalArgumentException("proposal limits must be positive: " + this);
            }
        }
    }

    /** A write waiting for its entry. */
    record Pending(RaftRequest request, int bytes, CompletableFuture<RaftResponse> response) {
    }

    private final Limits limits;
    /** Sends a batch; the returned future completes when its entry is answered, which frees its slot. */
    private final Function<List<Pending>, CompletableFuture<?>> sender;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Semaphore inFlight;
    private final Thread thread;
    private volatile boolean closed;

    ProposalQueue(Limits limits, Function<List<Pending>, CompletableFuture<?>> sender) {
        this.limits = limits;
        this.sender = sender;
        this.inFlight = new Semaphore(limits.maxInFlight());
        this.thread = new Thread(this::run, "raft-proposer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    CompletableFuture<RaftResponse> submit(RaftRequest request) {
        Pending p = new Pending(request, request.getSerializedSize(), new CompletableFuture<>());
        queue.add(p);
        if (closed) {
            failAll();
        }
        return p.response();
    }

    private void run() {
        try {
            while (!closed) {
                Pending first = queue.take();
                try {
                    inFlight.acquire();
                } catch (InterruptedException e) {
                    first.response().completeExceptionally(EtcdError.STOPPED.exception());
                    throw e;
                }
                // Everything that arrived while the slot was taken joins this batch.
                List<Pending> batch = drain(first);
                CompletableFuture<?> answered;
                try {
                    answered = sender.apply(batch);
                } catch (RuntimeException e) {
                    LOG.warn("sending a batch of {} proposals failed", batch.size(), e);
                    batch.forEach(p -> p.response().completeExceptionally(RaftNode.translate(e)));
                    answered = CompletableFuture.completedFuture(null);
                }
                answered.whenComplete((v, err) -> inFlight.release());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failAll();
        }
    }

    private List<Pending> drain(Pending first) {
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        if (!Proposal.batchable(first.request())) {
            return batch;
        }
        long bytes = first.bytes();
        // Only this thread takes from the queue, so what peek() shows is what poll() returns.
        for (Pending next = queue.peek(); next != null && batch.size() < limits.maxRequests(); next = queue.peek()) {
            if (!Proposal.batchable(next.request()) || bytes + next.bytes() > limits.maxBytes()) {
                break;
            }
            bytes += next.bytes();
            batch.add(queue.poll());
        }
        return batch;
    }

    private void failAll() {
        for (Pending p = queue.poll(); p != null; p = queue.poll()) {
            p.response().completeExceptionally(EtcdError.STOPPED.exception());
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        failAll();
    }
}
