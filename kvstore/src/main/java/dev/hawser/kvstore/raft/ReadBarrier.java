package dev.hawser.kvstore.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Linearizable reads share ReadIndex rounds, as etcd's linearizableReadLoop does. A
 * reader always waits for a round that starts after it arrived (a round already in
 * flight may have taken its read index too early), so at most two rounds are ever
 * pending, whatever the number of readers.
 *
 * <p>A finished round is handled on {@code executor}, never on the Ratis thread that
 * completed it: starting the next round from inside Ratis' ReadIndex callback deadlocks
 * the member (the callback holds a monitor that submitting a new read needs).
 */
final class ReadBarrier {
    private final Supplier<CompletableFuture<Void>> readIndex;
    private final Executor executor;
    private CompletableFuture<Void> next;
    private boolean inFlight;

    ReadBarrier(Supplier<CompletableFuture<Void>> readIndex, Executor executor) {
        this.readIndex = readIndex;
        this.executor = executor;
    }

    synchronized CompletableFuture<Void> await() {
        if (next == null) {
            next = new CompletableFuture<>();
        }
        CompletableFuture<Void> mine = next;
        if (!inFlight) {
            startRound();
        }
        return mine;
    }

    private void startRound() {
        CompletableFuture<Void> round = next;
        next = null;
        inFlight = true;
        CompletableFuture<Void> f;
        try {
            f = readIndex.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenCompleteAsync((v, err) -> {
            if (err != null) {
                round.completeExceptionally(err);
            } else {
                round.complete(null);
            }
            synchronized (ReadBarrier.this) {
                inFlight = false;
                if (next != null) {
                    startRound();
                }
            }
        }, executor);
    }
}
