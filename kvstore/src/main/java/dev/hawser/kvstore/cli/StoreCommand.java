package dev.hawser.kvstore.cli;

import dev.hawser.kvstore.api.Limits;
import dev.hawser.kvstore.api.WatchLimits;
import dev.hawser.kvstore.server.AuthOptions;
import dev.hawser.kvstore.raft.PeerTls;
import dev.hawser.kvstore.server.ClientTls;
import dev.hawser.kvstore.server.StoreConfig;
import dev.hawser.kvstore.server.StoreServer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code hawser store}: one member, configured with etcd's own flag names. */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = "Run a store member. Flags follow etcd's names and defaults.")
final class StoreCommand implements Callable<Integer> {
    @Option(names = "--name", defaultValue = "default", description = "Human-readable name for this member.")
    String name;

    @Option(names = "--data-dir", description = "Path to the data directory (default: ${name}.hawser).")
    Path dataDir;

    @Option(names = "--listen-client-urls", defaultValue = "http://localhost:2379",
            description = "URLs to listen on for client traffic.")
    String listenClientUrls;

    @Option(names = "--advertise-client-urls", description = "Client URLs advertised to the cluster (default: the listen URLs).")
    String advertiseClientUrls;

    @Option(names = "--listen-peer-urls", defaultValue = "http://localhost:2380",
            description = "URLs to listen on for peer (Raft) traffic.")
    String listenPeerUrls;

    @Option(names = "--initial-advertise-peer-urls", description = "Peer URLs advertised to the cluster (default: the listen URLs).")
    String advertisePeerUrls;

    @Option(names = "--initial-cluster", description = "Initial cluster configuration, e.g. n1=http://10.0.0.1:2380,n2=... (default: this member alone).")
    String initialCluster;

    @Option(names = "--initial-cluster-state", defaultValue = "new", description = "new or existing.")
    String initialClusterState;

    @Option(names = "--initial-cluster-token", defaultValue = "etcd-cluster", description = "Initial cluster token.")
    String initialClusterToken;

    @Option(names = "--listen-metrics-urls", description = "URLs serving /metrics and /health.")
    String listenMetricsUrls;

    @Option(names = "--snapshot-count", defaultValue = "100000",
            description = "Applied entries that trigger a snapshot and let the Raft log be purged.")
    long snapshotCount;

    @Option(names = "--max-request-bytes", defaultValue = "" + Limits.DEFAULT_MAX_REQUEST_BYTES,
            description = "Maximum client request size in bytes.")
    int maxRequestBytes;

    @Option(names = "--max-txn-ops", defaultValue = "" + Limits.DEFAULT_MAX_TXN_OPS,
            description = "Maximum number of operations per transaction.")
    int maxTxnOps;

    @Option(names = "--quota-backend-bytes", defaultValue = "2147483648",
            description = "Raise an alarm when the database exceeds this size.")
    long quotaBackendBytes;

    @Option(names = "--heartbeat-interval", defaultValue = "100", description = "Heartbeat interval in ms.")
    long heartbeatIntervalMs;

    @Option(names = "--election-timeout", defaultValue = "1000", description = "Election timeout in ms.")
    long electionTimeoutMs;

    @Option(names = "--experimental-watch-progress-notify-interval", defaultValue = "10m",
            description = "How often watchers that asked for progress notifications get one (e.g. 10m, 5s, 500ms).")
    String watchProgressNotifyInterval;

    @Option(names = "--max-concurrent-streams", defaultValue = "" + Integer.MAX_VALUE,
            description = "Concurrent gRPC streams (calls) per client connection (etcd's flag; default: unlimited).")
    int maxConcurrentStreams;

    @Option(names = "--max-watchers-per-stream", defaultValue = "" + WatchLimits.DEFAULT_MAX_WATCHERS_PER_STREAM,
            description = "Watchers one Watch stream may hold; more are refused with a canceled response (default: ${DEFAULT-VALUE}).")
    int maxWatchersPerStream;

    @Option(names = "--experimental-watch-busy-stream-interval", defaultValue = WatchLimits.DEFAULT_BUSY_STREAM_INTERVAL,
            description = "A Watch stream whose watchers are offered more than " + WatchLimits.BUSY_STREAM_OFFERS_PER_SECOND
                    + " revisions a second (one per watcher per revision) sends at most once per this interval, so that "
                    + "their events leave in fewer, larger responses; 0 sends each revision at once (default: ${DEFAULT-VALUE}).")
    String watchBusyStreamInterval;

    @Option(names = "--cert-file", paramLabel = "FILE", description = "Certificate (PEM) served on the https:// client URLs.")
    Path certFile;

    @Option(names = "--key-file", paramLabel = "FILE", description = "Private key (PEM, PKCS#8) of --cert-file.")
    Path keyFile;

    @Option(names = "--trusted-ca-file", paramLabel = "FILE", description = "CA that signs client certificates.")
    Path trustedCaFile;

    @Option(names = "--client-cert-auth", description = "Require a client certificate signed by --trusted-ca-file.")
    boolean clientCertAuth;

    @Option(names = "--peer-cert-file", paramLabel = "FILE",
            description = "Certificate (PEM) for peer (Raft) traffic, served and presented to other members; peer URLs then https://.")
    Path peerCertFile;

    @Option(names = "--peer-key-file", paramLabel = "FILE", description = "Private key (PEM) of --peer-cert-file.")
    Path peerKeyFile;

    @Option(names = "--peer-trusted-ca-file", paramLabel = "FILE",
            description = "CA that signs the members' peer certificates (default: the JVM's trusted CAs).")
    Path peerTrustedCaFile;

    @Option(names = "--peer-client-cert-auth",
            description = "Accept only members presenting a peer certificate signed by --peer-trusted-ca-file.")
    boolean peerClientCertAuth;

    @Option(names = "--auth-token", defaultValue = "simple", paramLabel = "SPEC",
            description = "Token type: 'simple' (default; tokens replicated among members), or "
                    + "'jwt,pub-key=FILE,priv-key=FILE,sign-method=RS256|ES256|...,ttl=5m' (signed, stateless).")
    String authToken;

    @Option(names = "--auth-token-ttl", defaultValue = "300", paramLabel = "SECONDS",
            description = "How long a simple token lives without being used (default: ${DEFAULT-VALUE}).")
    long authTokenTtl;

    @Option(names = "--bcrypt-cost", defaultValue = "10", paramLabel = "N",
            description = "bcrypt cost for hashing user passwords (default: ${DEFAULT-VALUE}).")
    int bcryptCost;
    @Option(names = "--peer-cert-allowed-cn", paramLabel = "CN",
            description = "With --peer-client-cert-auth, accept only peer certificates whose CN is this name.")
    String peerCertAllowedCn;

    /** A clean stop that takes longer than this (say, a final snapshot stuck on a broken disk) becomes a hard stop. */
    private static final long SHUTDOWN_LIMIT_SECONDS = 30;

    /**
     * Closes the member, but never lets a stuck close keep the process alive: stopping hard is safe,
     * since everything acknowledged is already in the fsynced Raft log (the same as kill -9).
     */
    static void closeWithin(StoreServer server, long seconds) {
        Thread closer = new Thread(server::close, "close-member");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(seconds * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            LoggerFactory.getLogger(StoreCommand.class).error("member did not stop within {} s; stopping hard", seconds);
            Runtime.getRuntime().halt(1);
        }
    }

    @Override
    public Integer call() throws Exception {
        StoreConfig cfg = config();
        StoreServer server = new StoreServer(cfg);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeWithin(server, SHUTDOWN_LIMIT_SECONDS), "shutdown"));
        try {
            server.start();
        } catch (Exception | Error e) {
            // The command line gets one readable line; the member's log gets the whole story.
            LoggerFactory.getLogger(StoreCommand.class).error("member {} failed to start", cfg.name(), e);
            throw e;
        }
        server.awaitTermination();
        return 0;
    }

    StoreConfig config() {
        if (!"new".equals(initialClusterState) && !"existing".equals(initialClusterState)) {
            throw new IllegalArgumentException("--initial-cluster-state must be 'new' or 'existing', not '" + initialClusterState + "'");
        }
        if (snapshotCount < 1 || maxRequestBytes < 1 || maxTxnOps < 1 || quotaBackendBytes < 0
                || maxConcurrentStreams < 1 || maxWatchersPerStream < 1
                || heartbeatIntervalMs < 1 || electionTimeoutMs < 5 * heartbeatIntervalMs) {
            throw new IllegalArgumentException("numeric flags must be positive, and --election-timeout at least 5x --heartbeat-interval");
        }
        if (peerCertFile == null && peerKeyFile == null
                && (peerTrustedCaFile != null || peerClientCertAuth || peerCertAllowedCn != null)) {
            throw new IllegalArgumentException("peer TLS flags need --peer-cert-file and --peer-key-file");
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("--cert-file and --key-file go together");
        }
        List<URI> listenClient = StoreConfig.parseUrls("--listen-client-urls", listenClientUrls);
        List<URI> listenPeer = StoreConfig.parseUrls("--listen-peer-urls", listenPeerUrls);
        List<URI> advPeer = advertisePeerUrls == null ? listenPeer
                : StoreConfig.parseUrls("--initial-advertise-peer-urls", advertisePeerUrls);
        String cluster = initialCluster != null ? initialCluster : name + "=" + advPeer.get(0);
        return new StoreConfig(
                name,
                dataDir != null ? dataDir : Path.of(name + ".hawser"),
                listenClient,
                advertiseClientUrls == null ? listenClient : StoreConfig.parseUrls("--advertise-client-urls", advertiseClientUrls),
                listenPeer,
                advPeer,
                StoreConfig.parseInitialCluster(cluster),
                initialClusterState,
                initialClusterToken,
                listenMetricsUrls == null ? List.of() : StoreConfig.parseUrls("--listen-metrics-urls", listenMetricsUrls),
                snapshotCount,
                maxRequestBytes,
                maxTxnOps,
                quotaBackendBytes,
                heartbeatIntervalMs,
                electionTimeoutMs,
                Durations.parseMillis("--experimental-watch-progress-notify-interval", watchProgressNotifyInterval),
                certFile == null ? null : new ClientTls(certFile, keyFile, trustedCaFile, clientCertAuth),
                maxConcurrentStreams,
                maxWatchersPerStream,
                Durations.parseMillisOrZero("--experimental-watch-busy-stream-interval", watchBusyStreamInterval),
                peerCertFile == null && peerKeyFile == null ? null : new PeerTls(peerCertFile, peerKeyFile,
                        peerTrustedCaFile, peerClientCertAuth, peerCertAllowedCn),
                new AuthOptions(authToken, authTokenTtl, bcryptCost));
    }
}
