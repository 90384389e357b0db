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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * N store members on loopback, each behind its own {@link PeerProxy}, plus the knobs the nemesis
 * turns: kill/restart, pause/resume, cut/heal links, remove/add members, full restart.
 * {@link #close()} (also run by a shutdown hook) kills every member and frees every port; a
 * {@link Reaper} process kills the members even if this JVM is killed without running its hooks.
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
    /** Members being removed: still running until Raft has dropped them, but no longer offered to clients. */
    private final Set<String> leaving = ConcurrentHashMap.newKeySet();
    private final Thread hook = new Thread(this::closeQuietly, "cluster-close");
    private final Reaper reaper;
    private int nextName;

    private Cluster(Path baseDir, List<String> memberArgs) {
        this.baseDir = baseDir;
        this.token = "jepsen-" + Long.toHexString(System.nanoTime()) + "-" + ProcessHandle.current().pid();
        this.memberArgs = memberArgs;
        this.reaper = Reaper.start(token);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code n} members in an emptied {@code baseDir} and waits until every one reports a
     * leader. A data dir left by an earlier run (same name and seed) would make members come back
     * with their old identities instead of forming the new cluster.
     */
    public static Cluster start(int n, Path baseDir, List<String> memberArgs) throws IOException {
        deleteRecursively(baseDir);
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
        proxies.put(m.name(), new PeerProxy(m.name(), m.proxyPort(), m.peerPort(),
                callerPort -> sourceOf(callerPort, m.proxyPort()), this::isCut));
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

    /** The members clients may use: every current member except one being removed. */
    public List<String> clientNames() {
        return members.stream().map(Member::name).filter(n -> !leaving.contains(n)).toList();
    }

    public ManagedChannel channel(String name) {
        Member m = member(name);
        return channels.computeIfAbsent(name, k -> ManagedChannelBuilder.forAddress("127.0.0.1", m.clientPort())
                .usePlaintext().build());
    }

    /**
     * Makes a channel whose member was down retry at once: gRPC backs off reconnecting up to
     * two minutes, which would fail every request to a member long after it is back.
     */
    private void nudge(String name) {
        ManagedChannel ch = channels.get(name);
        if (ch != null) {
            ch.resetConnectBackoff();
        }
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

    /**
     * Waits until every running, unpaused member is healthy and answers a Status request over its
     * client channel with a leader, so that clients (whose channels may have been backing off while
     * the member was down) can reach each of them again.
     */
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            List<String> unready = new ArrayList<>();
            for (Member m : members) {
                if (!m.isRunning() || m.isPaused()) {
                    continue;
                }
                nudge(m.name());
                if (!healthy(m) || statusLeader(m) == 0) {
                    unready.add(m.name());
                }
            }
            if (unready.isEmpty() && leader().isPresent()) {
                return;
            }
            last = "not ready: " + unready;
            sleep(300);
        }
        throw new IllegalStateException("cluster not healthy within " + timeout + " (" + last + "); members " + members);
    }

    /** The leader this member reports through its client port, 0 if none or unreachable. */
    private long statusLeader(Member m) {
        try {
            StatusResponse s = MaintenanceGrpc.newBlockingStub(channel(m.name())).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance());
            m.memberId(s.getHeader().getMemberId());
            return s.getLeader();
        } catch (RuntimeException e) {
            return 0;
        }
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
        nudge(name);
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
        for (Member m : members) {
            m.start();
            nudge(m.name());
        }
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

    private String sourceOf(int callerPort, int proxyPort) {
        for (int attempt = 0; attempt < 5; attempt++) {
            List<Long> pids = new ArrayList<>();
            for (Member m : members) {
                if (m.pid() > 0) {
                    pids.add(m.pid());
                }
            }
            long owner = SocketOwners.ownerOf(callerPort, proxyPort, pids);
            for (Member m : members) {
                if (owner > 0 && m.pid() == owner) {
                    return m.name();
                }
            }
            sleep(20);
        }
        LOG.warn("peer proxy could not tell which member owns port {} (a member that just died?)", callerPort);
        return null;
    }

    // ---- membership ----

    /**
     * Removes {@code name} from the cluster, then stops it and deletes its data. Clients stop
     * picking it first; the MemberRemove goes to the leader if known (its view of the Raft
     * configuration is current), else to any other live member, and is retried on errors that
     * leave the outcome open: a retry that finds the member gone counts as done.
     */
    public void removeMember(String name) throws IOException {
        Member m = member(name);
        leaving.add(name);
        long id = m.memberId();
        if (id == 0) {
            id = MaintenanceGrpc.newBlockingStub(channel(name)).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance()).getHeader().getMemberId();
        }
        long memberId = id;
        try {
            adminCall("remove " + name, via -> {
                try {
                    ClusterGrpc.newBlockingStub(via).withDeadlineAfter(15, TimeUnit.SECONDS)
                            .memberRemove(MemberRemoveRequest.newBuilder().setID(memberId).build());
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                        throw e;
                    }
                    // an earlier attempt went through
                }
                return null;
            }, name);
        } catch (RuntimeException e) {
            leaving.remove(name);
            throw e;
        }
        m.kill9();
        m.wipe();
        members.remove(m);
        leaving.remove(name);
        PeerProxy p = proxies.remove(name);
        if (p != null) {
            p.close();
        }
        ManagedChannel ch = channels.remove(name);
        if (ch != null) {
            ch.shutdownNow();
        }
    }

    /**
     * Adds a brand-new member (new name, ports and data dir) with MemberAdd, then starts it. Its
     * proxy exists before anything advertises it; it advertises the proxy's URL, from which its
     * ID is derived on both sides; it starts with {@code --initial-cluster-state existing} and an
     * initial cluster listing every member, itself included.
     */
    public String addMember() throws IOException {
        Member m = newMember();
        leaving.add(m.name()); // not offered to clients before it runs
        MemberAddResponse r;
        try {
            r = adminCall("add " + m.name(), via -> {
                try {
                    return ClusterGrpc.newBlockingStub(via).withDeadlineAfter(15, TimeUnit.SECONDS)
                            .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(m.advertisedPeerUrl()).build());
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
                        throw e;
                    }
                    // "member ID already exist": an earlier attempt went through
                    return null;
                }
            }, m.name());
        } catch (RuntimeException e) {
            members.remove(m);
            leaving.remove(m.name());
            proxies.remove(m.name()).close();
            throw e;
        }
        if (r != null) {
            m.memberId(r.getMember().getID());
        }
        m.configure(initialCluster(members), "existing", token);
        m.start();
        leaving.remove(m.name());
        return m.name();
    }

    /** Runs a membership call against the leader (or another live member), retrying for up to 90 s. */
    private <T> T adminCall(String what, Function<ManagedChannel, T> call, String exclude) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        RuntimeException last = null;
        int attempt = 0;
        while (System.nanoTime() < deadline) {
            List<String> candidates = new ArrayList<>();
            leader().filter(l -> !l.equals(exclude)).ifPresent(candidates::add);
            members.stream().filter(x -> !x.name().equals(exclude) && x.isRunning() && !x.isPaused()
                    && !candidates.contains(x.name())).forEach(x -> candidates.add(x.name()));
            if (!candidates.isEmpty()) {
                // the leader first; if it keeps failing, every live member in turn
                String via = attempt < 3 ? candidates.get(0) : candidates.get(attempt % candidates.size());
                attempt++;
                nudge(via);
                try {
                    return call.apply(channel(via));
                } catch (StatusRuntimeException e) {
                    last = e;
                    LOG.info("{} via {} failed ({}); retrying", what, via, e.getStatus());
                }
            }
            sleep(1000);
        }
        throw new IllegalStateException(what + " failed for 90 s", last);
    }

    public int memberCount() {
        String via = leader().orElse(members.get(0).name());
        return ClusterGrpc.newBlockingStub(channel(via)).withDeadlineAfter(5, TimeUnit.SECONDS)
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
        reaper.close();
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

    static void deleteRecursively(Path dir) throws IOException {
        if (java.nio.file.Files.exists(dir)) {
            try (var walk = java.nio.file.Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(p);
                }
            }
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
