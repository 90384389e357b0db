package dev.hawser.kvstore.server;

import dev.hawser.kvstore.raft.PeerTls;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything a store member is started with; the CLI maps etcd's flags onto it. */
public record StoreConfig(
        String name,
        Path dataDir,
        List<URI> listenClientUrls,
        List<URI> advertiseClientUrls,
        List<URI> listenPeerUrls,
        List<URI> advertisePeerUrls,
        Map<String, List<String>> initialCluster,
        String initialClusterState,
        String initialClusterToken,
        List<URI> listenMetricsUrls,
        long snapshotCount,
        int maxRequestBytes,
        int maxTxnOps,
        long quotaBackendBytes,
        long heartbeatIntervalMs,
        long electionTimeoutMs,
        long watchProgressNotifyIntervalMs,
        ClientTls clientTls,
        int maxConcurrentStreams,
        int maxWatchersPerStream,
        long watchBusyStreamIntervalMs,
        PeerTls peerTls,
        AuthOptions auth) {

    public StoreConfig {
        boolean https = listenClientUrls.stream().anyMatch(u -> "https".equals(u.getScheme()));
        boolean http = listenClientUrls.stream().anyMatch(u -> "http".equals(u.getScheme()));
        if (https && clientTls == null) {
            throw new IllegalArgumentException("https client URLs need --cert-file and --key-file");
        }
        if (clientTls != null && http) {
            throw new IllegalArgumentException("with --cert-file the client URLs must be https:// (plain-text clients are refused)");
        }
        checkPeerSchemes(peerTls != null, listenPeerUrls, advertisePeerUrls, initialCluster);
        if (!initialCluster.containsKey(name)) {
            throw new IllegalArgumentException("--initial-cluster has no entry for this member's --name " + name);
        }
        if (listenClientUrls.isEmpty() || listenPeerUrls.isEmpty()) {
            throw new IllegalArgumentException("--listen-client-urls and --listen-peer-urls must not be empty");
        }
    }

    /**
     * Raft talks TLS to every member or to none, so with peer TLS every peer URL (this member's and those in
     * {@code --initial-cluster}) must be https://, and without it http://.
     */
    private static void checkPeerSchemes(boolean tls, List<URI> listen, List<URI> advertise,
                                         Map<String, List<String>> initialCluster) {
        List<String> urls = new ArrayList<>();
        listen.forEach(u -> urls.add(u.toString()));
        advertise.forEach(u -> urls.add(u.toString()));
        initialCluster.values().forEach(urls::addAll);
        for (String u : urls) {
            boolean https = u.startsWith("https://");
            if (https && !tls) {
                throw new IllegalArgumentException("peer URL " + u + " is https:// but peer TLS is off: "
                        + "give --peer-cert-file and --peer-key-file, or use http:// peer URLs");
            }
            if (!https && tls) {
                throw new IllegalArgumentException("with --peer-cert-file every peer URL must be https:// "
                        + "(listen, advertise and --initial-cluster), not " + u);
            }
        }
    }

    /** Parses etcd's {@code n1=http://a:2380,n2=http://b:2380} (a name may repeat for several URLs). */
    public static Map<String, List<String>> parseInitialCluster(String spec) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("--initial-cluster entry '" + p + "' is not name=url");
            }
            URI url = parseUrl(p.substring(eq + 1));
            out.computeIfAbsent(p.substring(0, eq), k -> new ArrayList<>()).add(url.toString());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--initial-cluster is empty");
        }
        return out;
    }

    public static List<URI> parseUrls(String flag, String spec) {
        List<URI> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            if (!s.isBlank()) {
                out.add(parseUrl(s.trim()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(flag + " is empty");
        }
        return out;
    }

    public static URI parseUrl(String s) {
        URI u = URI.create(s);
        if (u.getHost() == null || u.getPort() < 0 || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
            throw new IllegalArgumentException("'" + s + "' is not a URL of the form http://host:port");
        }
        return u;
    }

    /** Where Raft reaches each member: host:port of its first peer URL. */
    public Map<String, String> peerAddresses() {
        Map<String, String> out = new LinkedHashMap<>();
        initialCluster.forEach((n, urls) -> {
            URI u = URI.create(urls.get(0));
            out.put(n, u.getHost() + ":" + u.getPort());
        });
        return out;
    }

    public Path liveDir() {
        return dataDir.resolve("member").resolve("kv");
    }

    public Path raftDir() {
        return dataDir.resolve("member").resolve("raft");
    }
}
