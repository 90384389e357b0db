package dev.hawser.kvstore.server;

import dev.hawser.kvstore.api.AuthInterceptor;
import dev.hawser.kvstore.api.AuthService;
import dev.hawser.kvstore.api.ClusterService;
import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.auth.Passwords;
import dev.hawser.kvstore.auth.TokenProvider;
import dev.hawser.kvstore.auth.TokenProviders;
import dev.hawser.kvstore.cli.Durations;
import dev.hawser.kvstore.api.ElectionService;
import dev.hawser.kvstore.api.Headers;
import dev.hawser.kvstore.api.KvService;
import dev.hawser.kvstore.api.LeaseService;
import dev.hawser.kvstore.api.LockService;
import dev.hawser.kvstore.api.RequestMetadata;
import dev.hawser.kvstore.api.WatchService;
import dev.hawser.kvstore.api.WatchLimits;
import dev.hawser.kvstore.lease.ExpiryLoop;
import dev.hawser.kvstore.lease.Lessor;
import dev.hawser.proto.etcdserverpb.LeaseRevokeRequest;
import dev.hawser.kvstore.api.Limits;
import dev.hawser.kvstore.api.MaintenanceService;
import dev.hawser.kvstore.raft.KvStateMachine;
import dev.hawser.kvstore.raft.MemberIds;
import dev.hawser.kvstore.raft.Membership;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.raft.MemberAttributes;
import dev.hawser.proto.raft.RaftRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.health.v1.HealthCheckResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Composition root of a store member: Raft, the state machine, gRPC services and HTTP endpoints. */
public final class StoreServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreServer.class);

    private final StoreConfig cfg;
    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    private RaftNode raft;
    private Server grpc;
    private HttpEndpoints http;
    private ExpiryLoop expiry;
    /** Responses one watch stream may hold before its watchers fall back to catching up from history. */
    private static final int WATCH_QUEUE_RESPONSES = 1024;

    public StoreServer(StoreConfig cfg) {
        this.cfg = cfg;
        int threads = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
        this.executor = Executors.newFixedThreadPool(threads, daemon("api"));
        this.scheduler = Executors.newScheduledThreadPool(2, daemon("store-timer"));
    }

    public void start() throws IOException, InterruptedException {
        Path memberDir = cfg.dataDir().resolve("member");
        Files.createDirectories(cfg.raftDir());
        MemberIdentity identity = MemberIdentity.load(memberDir);
        boolean fresh = identity == null;
        boolean joining = fresh && "existing".equals(cfg.initialClusterState());
        Map<Long, String> initial = new LinkedHashMap<>();
        cfg.initialCluster().forEach((n, urls) -> initial.put(MemberIds.memberId(urls.get(0)), Membership.address(urls.get(0))));
        long selfId = !fresh ? identity.memberId()
                : MemberIds.memberId(joining ? cfg.advertisePeerUrls().get(0).toString() : cfg.initialCluster().get(cfg.name()).get(0));
        Map<Long, String> seeds = new LinkedHashMap<>(initial);
        seeds.remove(selfId);

        URI peer = cfg.listenPeerUrls().get(0);
        RaftNode.Options opts = new RaftNode.Options(selfId, joining ? Map.of() : initial, seeds.isEmpty() ? initial : seeds,
                cfg.initialClusterToken(), cfg.raftDir(), peer.getHost(), peer.getPort(), cfg.snapshotCount(),
                cfg.heartbeatIntervalMs(), cfg.electionTimeoutMs(), cfg.peerTls());
        Lessor lessor = new Lessor(Lessor.minTtlSeconds(cfg.electionTimeoutMs()), System::nanoTime);
        TokenProvider tokens = TokenProviders.parse(cfg.auth().tokenSpec(), cfg.auth().simpleTokenTtlSeconds(),
                text -> java.time.Duration.ofMillis(Durations.parseMillis("--auth-token ttl", text)));
        Passwords passwords = new Passwords(cfg.auth().bcryptCost());
        KvStateMachine sm = new KvStateMachine(cfg.liveDir(), lessor, cfg.electionTimeoutMs(), tokens);
        raft = new RaftNode(opts, sm, executor);
        raft.start();
        Membership membership = new Membership(raft, executor);
        long clusterId;
        if (!fresh) {
            clusterId = identity.clusterId();
        } else if (joining) {
            LOG.info("joining the existing cluster through {}", seeds.values());
            clusterId = membership.join(selfId, Membership.address(cfg.advertisePeerUrls().get(0).toString()),
                    System.nanoTime() + TimeUnit.MINUTES.toNanos(5));
        } else {
            clusterId = MemberIds.clusterId(cfg.initialClusterToken(), initial.keySet());
        }
        if (fresh) {
            new MemberIdentity(selfId, clusterId).save(memberDir);
        }
        sm.setClusterId(clusterId);
        expiry = new ExpiryLoop(lessor, id -> raft.propose(RaftRequest.newBuilder()
                .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)).build()), scheduler);

        long memberId = selfId;
        Headers headers = new Headers(clusterId, memberId, raft);
        Limits limits = new Limits(cfg.maxRequestBytes(), cfg.maxTxnOps());
        HealthStatusManager health = new HealthStatusManager();
        Authorizer authorizer = sm.authorizer();

        List<URI> client = cfg.listenClientUrls();
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(client.get(0).getHost(), client.get(0).getPort()));
        for (URI u : client.subList(1, client.size())) {
            b.addListenAddress(new InetSocketAddress(u.getHost(), u.getPort()));
        }
        if (cfg.clientTls() != null) {
            b.sslContext(cfg.clientTls().sslContext());
        }
        grpc = b.maxInboundMessageSize(limits.grpcMaxInboundBytes())
                .executor(executor)
                .callExecutor(new KvCallsOnTransport())
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .maxConcurrentCallsPerConnection(cfg.maxConcurrentStreams())
                .intercept(new RequestMetadata())
                .intercept(new AuthInterceptor(raft, authorizer, 2 * cfg.electionTimeoutMs()))
                .addService(new KvService(raft, headers, limits, executor, cfg.quotaBackendBytes(), authorizer))
                .addService(new WatchService(raft, headers, executor, scheduler, new WatchLimits(
                        WATCH_QUEUE_RESPONSES, cfg.maxRequestBytes(), cfg.watchProgressNotifyIntervalMs(), cfg.maxWatchersPerStream(),
                        cfg.watchBusyStreamIntervalMs()),
                        authorizer))
                .addService(new LeaseService(raft, headers, executor, cfg.quotaBackendBytes(), authorizer))
                .addService(new LockService(raft, headers, executor, authorizer))
                .addService(new ElectionService(raft, headers, executor, authorizer))
                .addService(new AuthService(raft, headers, executor, passwords, authorizer))
                .addService(new MaintenanceService(raft, headers, cfg.quotaBackendBytes(), executor,
                        cfg.dataDir().resolve("member").resolve("tmp")))
                .addService(new ClusterService(membership, headers))
                .addService(health.getHealthService())
                .build()
                .start();
        health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);

        http = new HttpEndpoints(cfg.listenMetricsUrls(), raft, StoreMetrics.register(raft));
        http.start();
        publishAttributes(memberId);
        LOG.info("member {} ({}) serving clients on {}", cfg.name(), Long.toHexString(memberId), client);
    }

    /** Announces this member's name and client URLs through the log, retrying until a leader takes it. */
    private void publishAttributes(long memberId) {
        MemberAttributes attrs = MemberAttributes.newBuilder()
                .setMemberId(memberId)
                .setName(cfg.name())
                .addAllClientUrls(cfg.advertiseClientUrls().stream().map(URI::toString).toList())
                .addAllPeerUrls(cfg.advertisePeerUrls().stream().map(URI::toString).toList())
                .build();
        RaftRequest req = RaftRequest.newBuilder().setMemberAttributes(attrs).build();
        raft.propose(req).whenComplete((r, err) -> {
            if (err != null) {
                LOG.debug("publishing member attributes failed, retrying", err);
                scheduler.schedule(() -> publishAttributes(memberId), 500, TimeUnit.MILLISECONDS);
            } else {
                LOG.info("published member attributes {}", attrs.getName());
            }
        });
    }

    public void awaitTermination() throws InterruptedException {
        grpc.awaitTermination();
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        if (grpc != null) {
            grpc.shutdown();
            try {
                grpc.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            grpc.shutdownNow();
        }
        if (expiry != null) {
            expiry.close();
        }
        scheduler.shutdownNow();
        if (raft != null) {
            try {
                raft.close();
            } catch (IOException e) {
                LOG.warn("closing raft", e);
            }
        }
        executor.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
