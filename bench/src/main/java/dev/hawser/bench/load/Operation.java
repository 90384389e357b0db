package dev.hawser.bench.load;

/**
 * One request of a workload. {@code send} must not block (it may run on a gRPC event loop) and must call
 * {@code done} exactly once. {@code client} is the logical client (0..clients-1), {@code seq} the request's
 * number in the run (0, 1, 2, ... across all clients).
 */
@FunctionalInterface
public interface Operation {
    void send(int client, long seq, Completion done);
}
