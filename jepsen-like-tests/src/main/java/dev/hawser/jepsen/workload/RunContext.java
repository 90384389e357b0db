package dev.hawser.jepsen.workload;

import dev.hawser.jepsen.cluster.Cluster;
import dev.hawser.jepsen.history.History;
import io.grpc.ManagedChannel;

import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What workers share: the cluster, the run clock, the seed, unique values and process ids. */
public final class RunContext {
    private final Cluster cluster;
    private final long startNanos = System.nanoTime();
    private final long seed;
    private final AtomicLong values = new AtomicLong();
    private final AtomicInteger processes = new AtomicInteger();
    private final long opTimeoutMillis;

    public RunContext(Cluster cluster, long seed, long opTimeoutMillis) {
        this.cluster = cluster;
        this.seed = seed;
        this.opTimeoutMillis = opTimeoutMillis;
    }

    public Cluster cluster() {
        return cluster;
    }

    public long now() {
        return System.nanoTime() - startNanos;
    }

    public long startNanos() {
        return startNanos;
    }

    public History newHistory() {
        return new History(this::now);
    }

    public Random random(String purpose) {
        return new Random(seed ^ purpose.hashCode() * 0x9E3779B97F4A7C15L);
    }

    public long uniqueValue() {
        return values.incrementAndGet();
    }

    /** A fresh process id; a client that saw INFO takes a new one, as in Jepsen. */
    public int newProcess() {
        return processes.getAndIncrement();
    }

    public long opTimeoutMillis() {
        return opTimeoutMillis;
    }

    /** A current member chosen at random (never one being removed). */
    public String pickNode(Random r) {
        List<String> names = cluster.clientNames();
        return names.get(r.nextInt(names.size()));
    }

    /** The member's channel; throws if it was removed meanwhile (then no request was sent). */
    public ManagedChannel channel(String node) {
        return cluster.channel(node);
    }

    /**
     * After a failed request: 50-200 ms before the next, so that a client does not spin on a down
     * member's instant failures (histories stay meaningful and the checker fast). The jitter does
     * not come from the seeded per-client Random, so it does not shift the seeded choices.
     */
    public static void backoff() {
        Workers.pause(50 + ThreadLocalRandom.current().nextInt(151));
    }
}
