package dev.hawser.jepsen.cluster;

import dev.hawser.proto.etcdserverpb.ClusterGrpc;
import dev.hawser.proto.etcdserverpb.MaintenanceGrpc;
import dev.hawser.proto.etcdserverpb.MemberAddRequest;
import dev.hawser.proto.etcdserverpb.MemberAddResponse;
import dev.hawser.proto.etcdserverpb.MemberListRequest;
import dev.hawser.proto.etcdserverpb.MemberRemoveRequest;
import dev.hawser.proto.etcdserverpb.StatusRequest;
import dev.hawser.proto.etcdserverpb.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * N store members on loopback, each behind its own {@link PeerProxy}, plus the knobs the nemesis
 * turns: kill/restart, pause/resume, cut/heal links, remove/add members, full restart.
 * {@link #close()} (also run by a shutdown hook) kills every member and frees every port.
 */
public final class Cluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);

    private final Path baseDir;
    private final String token;
    private final List<String> memberArgs;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final Map<String, PeerProxy> proxies = new ConcurrentHashMap<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Set<String> cutLinks = ConcurrentHashMap.newKeySet();
    private final Thread hook = new Thread(this::closeQuietly, "cluster-close");
    private int nextName;

    private Cluster(Path baseDir, List<String> memberArgs) {
        this.baseDir = baseDir;
        this.token = "jepsen-" + Long.toHexString(System.nanoTime());
        this.memberArgs = memberArgs;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts {@code n} members and waits until every one reports a leader. */
    public static Cluster start(int n, Path baseDir, List<String> memberArgs) throws IOException {
        Cluster c = new Cluster(baseDir, memberArgs);
        try {
            for (int i = 0; i < n; i++) {
                c.newMember();
            }
            String initial = c.initialCluster(c.members);
            for (Member m : c.members) {
                m.configure(initial, "new", c.token);
                m.start();
            }
            c.awaitHealthy(Duration.ofSeconds(90));
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private Member newMember() throws IOException {
        Member m = new Member("n" + (++nextName), baseDir, memberArgs);
        members.add(m);
        proxies.put(m.name(), new PeerProxy(m.name(), m.proxyPort(), m.peerPort(), this::sourceOf, this::isCut));
        return m;
    }

    private String initialCluster(Collection<Member> ms) {
        return ms.stream().map(m -> m.name() + "=" + m.advertisedPeerUrl()).collect(Collectors.joining(","));
    }

    public List<Member> members() {
        return List.copyOf(members);
    }

    public Member member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + name));
    }

    public List<String> names() {
        return members.stream().map(Member::name).toList();
    }

    public ManagedChannel channel(String name) {
        Member m = member(name);
        return channels.computeIfAbsent(name, k -> ManagedChannelBuilder.forAddress("127.0.0.1", m.clientPort())
                .usePlaintext().build());
    }

    // ---- health and leadership ----

    public boolean healthy(Member m) {
        if (!m.isRunning() || m.isPaused()) {
            return false;
        }
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(m.healthUrl()).toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(1000);
            int code = c.getResponseCode();
            c.disconnect();
            return code == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until every running, unpaused member reports a leader. */
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (members.stream().filter(m -> m.isRunning() && !m.isPaused()).allMatch(this::healthy)
                    && leader().isPresent()) {
                return;
            }
            sleep(200);
        }
        throw new IllegalStateException("cluster not healthy within " + timeout + "; members " + members);
    }

    /** The current leader as the reachable members report it. */
    public Optional<String> leader() {
        for (Member m : members) {
            if (!m.isRunning() || m.isPaused()) {
                continue;
            }
            try {
                StatusResponse s = MaintenanceGrpc.newBlockingStub(channel(m.name())).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance());
                m.memberId(s.getHeader().getMemberId());
                if (s.getLeader() != 0) {
                    for (Member x : members) {
                        if (x.memberId() == s.getLeader()) {
                            return Optional.of(x.name());
                        }
                    }
                }
            } catch (RuntimeException e) {
                // unreachable member: ask the next
            }
        }
        return Optional.empty();
    }

    // ---- process faults ----

    public void kill(String name) {
        member(name).kill9();
        proxies.get(name).dropAll();
    }

    public void restart(String name) {
        member(name).start();
    }

    public void pause(String name) {
        member(name).pause();
    }

    public void resume(String name) {
        member(name).resume();
    }

    /** Stops every member cleanly, then starts them all again. */
    public void fullRestart() {
        members.forEach(Member::stop);
        proxies.values().forEach(PeerProxy::dropAll);
        members.forEach(Member::start);
    }

    // ---- network faults ----

    /** Cuts the links between every member of {@code a} and every member of {@code b} (both directions). */
    public void cut(Collection<String> a, Collection<String> b) {
        for (String x : a) {
            for (String y : b) {
                if (!x.equals(y)) {
                    cutLinks.add(link(x, y));
                }
            }
        }
        proxies.values().forEach(PeerProxy::linksChanged);
    }

    public void healNetwork() {
        cutLinks.clear();
        proxies.values().forEach(PeerProxy::linksChanged);
    }

    public Set<String> cutLinks() {
        return Set.copyOf(cutLinks);
    }

    private boolean isCut(String a, String b) {
        return cutLinks.contains(link(a, b));
    }

    private static String link(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }

    private String sourceOf(int callerPort) {
        for (int attempt = 0; attempt < 3; attempt++) {
            List<Long> pids = new ArrayList<>();
            for (Member m : members) {
                if (m.pid() > 0) {
                    pids.add(m.pid());
                }
            }
            long owner = SocketOwners.ownerOf(callerPort, pids);
            for (Member m : members) {
                if (owner > 0 && m.pid() == owner) {
                    return m.name();
                }
            }
            sleep(5);
        }
        LOG.warn("peer proxy could not tell which member owns port {}", callerPort);
        return null;
    }

    // ---- membership ----

    /** Removes {@code name} from the cluster (through a live member), stops it and deletes its data. */
    public void removeMember(String name) throws IOException {
        Member m = member(name);
        long id = m.memberId();
        if (id == 0) {
            id = MaintenanceGrpc.newBlockingStub(channel(name)).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance()).getHeader().getMemberId();
        }
        String via = members.stream().filter(x -> !x.name().equals(name) && x.isRunning() && !x.isPaused())
                .findFirst().orElseThrow().name();
        ClusterGrpc.newBlockingStub(channel(via)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .memberRemove(MemberRemoveRequest.newBuilder().setID(id).build());
        m.kill9();
        m.wipe();
        members.remove(m);
        PeerProxy p = proxies.remove(name);
        if (p != null) {
            p.close();
        }
        ManagedChannel ch = channels.remove(name);
        if (ch != null) {
            ch.shutdownNow();
        }
    }

    /** Adds a brand-new member (new name, ports and data dir) with member add, then starts it. */
    public String addMember() throws IOException {
        Member m = newMember();
        String via = members.stream().filter(x -> x != m && x.isRunning() && !x.isPaused()).findFirst().orElseThrow().name();
        MemberAddResponse r = ClusterGrpc.newBlockingStub(channel(via)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(m.advertisedPeerUrl()).build());
        m.memberId(r.getMember().getID());
        m.configure(initialCluster(members), "existing", token);
        m.start();
        return m.name();
    }

    public int memberCount() {
        return ClusterGrpc.newBlockingStub(channel(members.get(0).name())).withDeadlineAfter(2, TimeUnit.SECONDS)
                .memberList(MemberListRequest.getDefaultInstance()).getMembersCount();
    }

    @Override
    public void close() {
        healNetwork();
        for (Member m : members) {
            try {
                m.kill9();
            } catch (RuntimeException e) {
                LOG.warn("kill {} failed: {}", m.name(), e.toString());
            }
        }
        proxies.values().forEach(PeerProxy::close);
        channels.values().forEach(ManagedChannel::shutdownNow);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            // best effort at JVM exit
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
