package dev.hawser.bench;

import dev.hawser.bench.load.Completion;
import dev.hawser.bench.load.Connections;
import dev.hawser.bench.load.Operation;
import dev.hawser.proto.etcdserverpb.LeaseGrantRequest;
import dev.hawser.proto.etcdserverpb.LeaseGrantResponse;
import dev.hawser.proto.etcdserverpb.LeaseGrpc;
import dev.hawser.proto.etcdserverpb.LeaseKeepAliveRequest;
import dev.hawser.proto.etcdserverpb.LeaseKeepAliveResponse;
import dev.hawser.proto.etcdserverpb.LeaseRevokeRequest;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * etcd's lease-keepalive: every client grants itself a lease, then renews it over and over. Unlike etcd's tool
 * (whose KeepAliveOnce opens a stream per renewal) each client keeps one LeaseKeepAlive stream open and has one
 * renewal in flight on it, which measures the renewal itself rather than stream setup.
 */
@Command(name = "lease-keepalive", description = "Benchmark lease keep-alive: each client renews its own lease.")
final class LeaseKeepAliveCommand extends LoadCommand {
    @Option(names = "--ttl", defaultValue = "100", description = "TTL of the granted leases, seconds (default: ${DEFAULT-VALUE}).")
    long ttl;

    private final List<Long> leases = new ArrayList<>();
    private final List<StreamObserver<LeaseKeepAliveRequest>> streams = new ArrayList<>();

    @Override
    void validate(Validation v) {
        v.atLeast("--ttl", ttl, 1);
    }

    @Override
    Operation prepare(Connections conns) throws Exception {
        int clients = run.clients;
        long timeout = connection.requestTimeoutMillis();
        List<CompletableFuture<Long>> grants = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            LeaseGrpc.newStub(conns.forClient(c)).withDeadlineAfter(timeout, TimeUnit.MILLISECONDS)
                    .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build(), new StreamObserver<>() {
                        @Override
                        public void onNext(LeaseGrantResponse r) {
                            f.complete(r.getID());
                        }

                        @Override
                        public void onError(Throwable t) {
                            f.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            grants.add(f);
        }
        try {
            for (CompletableFuture<Long> f : grants) {
                leases.add(f.get(timeout, TimeUnit.MILLISECONDS));
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new BenchException("cannot grant leases: " + e.getCause());
        }
        List<AtomicReference<Completion>> pending = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            AtomicReference<Completion> slot = new AtomicReference<>();
            pending.add(slot);
            streams.add(LeaseGrpc.newStub(conns.forClient(c)).leaseKeepAlive(new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {
                    Completion done = slot.getAndSet(null);
                    if (done != null) {
                        done.complete(r.getTTL() > 0 ? null : new IllegalStateException("lease " + r.getID() + " expired"));
                    }
                }

                @Override
                public void onError(Throwable t) {
                    Completion done = slot.getAndSet(null);
                    if (done != null) {
                        done.complete(t);
                    }
                }

                @Override
                public void onCompleted() {
                    onError(new IllegalStateException("keep-alive stream closed by the server"));
                }
            }));
        }
        return (client, seq, done) -> {
            pending.get(client).set(done);
            streams.get(client).onNext(LeaseKeepAliveRequest.newBuilder().setID(leases.get(client)).build());
        };
    }

    @Override
    void cleanUp(Connections conns) {
        streams.forEach(s -> {
            try {
                ((ClientCallStreamObserver<LeaseKeepAliveRequest>) s).cancel("benchmark done", null);
            } catch (RuntimeException ignored) {
                // the stream already failed
            }
        });
        for (int c = 0; c < leases.size(); c++) {
            LeaseGrpc.newStub(conns.forClient(c)).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(leases.get(c)).build(),
                            ((Completion) e -> { }).observer());
        }
    }

    @Override
    Map<String, Object> params() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("ttl", ttl);
        return p;
    }
}
