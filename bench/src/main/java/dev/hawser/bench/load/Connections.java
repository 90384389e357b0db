package dev.hawser.bench.load;

import dev.hawser.bench.BenchException;
import dev.hawser.proto.etcdserverpb.MaintenanceGrpc;
import dev.hawser.proto.etcdserverpb.StatusRequest;
import dev.hawser.proto.etcdserverpb.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC connections of a run: {@code conns} channels spread round-robin over the endpoints (or all to the
 * leader with {@code targetLeader}). Before opening them every endpoint is asked for its Status with a short
 * deadline, so a dead or leaderless cluster fails in seconds with a readable message instead of timing out
 * request by request.
 */
public final class Connections implements AutoCloseable {
    private final List<ManagedChannel> channels;
    private final List<Endpoint> used;

    private Connections(List<ManagedChannel> channels, List<Endpoint> used) {
        this.channels = channels;
        this.used = used;
    }

    public static Connections open(List<Endpoint> endpoints, int conns, boolean targetLeader, Duration dialTimeout) {
        List<Endpoint> targets = new ArrayList<>();
        for (Endpoint e : endpoints) {
            StatusResponse status = status(e, dialTimeout);
            if (status.getLeader() == 0) {
                throw new BenchException(e + " has no leader (cluster still electing, or lost quorum)");
            }
            if (!targetLeader || status.getLeader() == status.getHeader().getMemberId()) {
                targets.add(e);
            }
        }
        if (targets.isEmpty()) {
            throw new BenchException("--target-leader: none of " + endpoints + " is the leader");
        }
        List<ManagedChannel> channels = new ArrayList<>(conns);
        for (int i = 0; i < conns; i++) {
            channels.add(channel(targets.get(i % targets.size())));
        }
        return new Connections(channels, targets);
    }

    /** One endpoint's Status, or a {@link BenchException} that says why it cannot be had. */
    public static StatusResponse status(Endpoint e, Duration timeout) {
        ManagedChannel probe = channel(e);
        try {
            return MaintenanceGrpc.newBlockingStub(probe)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .status(StatusRequest.getDefaultInstance());
        } catch (StatusRuntimeException ex) {
            throw new BenchException("cannot reach " + e + ": " + LatencyRecorder.describe(ex), ex);
        } finally {
            probe.shutdownNow();
        }
    }

    static ManagedChannel channel(Endpoint e) {
        // directExecutor: completions only record a latency and send the next request, so they may run on
        // Netty's event loop; a thread hop per request would cost the client more CPU than the server.
        return NettyChannelBuilder.forAddress(e.host(), e.port())
                .usePlaintext()
                .directExecutor()
                .maxInboundMessageSize(64 << 20)
                .build();
    }

    public int size() {
        return channels.size();
    }

    public ManagedChannel channel(int conn) {
        return channels.get(conn % channels.size());
    }

    /** The channel of a logical client: clients are spread round-robin over the connections. */
    public ManagedChannel forClient(int client) {
        return channels.get(client % channels.size());
    }

    public List<Endpoint> endpoints() {
        return used;
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdown);
        // Calls still open (a watch or keep-alive stream the server keeps) get 2 s in all, then are cut.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ManagedChannel c : channels) {
            try {
                if (!c.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.shutdownNow();
            }
        }
    }
}
