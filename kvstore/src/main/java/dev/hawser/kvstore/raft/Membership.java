package dev.hawser.kvstore.raft;

import dev.hawser.kvstore.errors.ApplyErrors;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.proto.etcdserverpb.Member;
import dev.hawser.proto.raft.LeaderQuery;
import dev.hawser.proto.raft.MemberAttributes;
import dev.hawser.proto.raft.MemberInfo;
import dev.hawser.proto.raft.RaftRequest;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * etcd's membership operations on top of Ratis' configuration. Voters are Ratis
 * followers, learners are Ratis listeners. {@code member add} only records the new
 * member; the member joins Raft itself once it runs ({@link #join}), so an added member
 * that never starts does not weigh on the quorum the way it does in etcd.
 */
public final class Membership {
    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private final RaftNode raft;
    private final Executor executor;

    public Membership(RaftNode raft, Executor executor) {
        this.raft = raft;
        this.executor = executor;
    }

    /** Every member: voters, then learners, then members added but not running yet. */
    public List<Member> list() {
        Map<Long, MemberAttributes> records = new LinkedHashMap<>();
        for (MemberAttributes m : raft.stateMachine().members()) {
            records.put(m.getMemberId(), m);
        }
        List<Member> out = new ArrayList<>();
        RaftConfiguration conf = raft.configuration();
        for (RaftPeerRole role : List.of(RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER)) {
            for (RaftPeer p : conf.getCurrentPeers(role)) {
                long id = MemberIds.memberId(p.getId());
                out.add(toMember(id, records.remove(id), raft.peerScheme() + "://" + p.getAddress(), role == RaftPeerRole.LISTENER));
            }
        }
        for (MemberAttributes pending : records.values()) {
            out.add(toMember(pending.getMemberId(), pending, null, pending.getIsLearner()));
        }
        return out;
    }

    private static Member toMember(long id, MemberAttributes rec, String address, boolean learner) {
        Member.Builder m = Member.newBuilder().setID(id).setIsLearner(learner);
        if (rec != null) {
            m.setName(rec.getName()).addAllPeerURLs(rec.getPeerUrlsList()).addAllClientURLs(rec.getClientUrlsList());
        }
        if (m.getPeerURLsCount() == 0 && address != null) {
            m.addPeerURLs(address);
        }
        return m.build();
    }

    public CompletableFuture<Member> add(List<String> peerUrls, boolean learner) {
        try {
            if (peerUrls.isEmpty()) {
                throw new IllegalArgumentException("member add needs at least one peer URL");
            }
            if (learner) {
                // A Ratis listener that joins a running group never leaves its STARTING state (Ratis 3.3.0).
                throw EtcdError.LEARNER_UNSUPPORTED.exception();
            }
            long id = MemberIds.memberId(peerUrls.get(0));
            for (Member m : list()) {
                if (m.getID() == id) {
                    throw EtcdError.MEMBER_EXISTS.exception();
                }
                for (String u : peerUrls) {
                    if (m.getPeerURLsList().contains(u)) {
                        throw EtcdError.PEER_URL_EXISTS.exception();
                    }
                }
            }
            MemberAttributes rec = MemberAttributes.newBuilder().setMemberId(id).addAllPeerUrls(peerUrls)
                    .setIsLearner(learner).build();
            return propose(RaftRequest.newBuilder().setMemberAdd(rec).build())
                    .thenApply(v -> Member.newBuilder().setID(id).addAllPeerURLs(peerUrls).setIsLearner(learner).build());
        } catch (EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    public CompletableFuture<Void> remove(long id) {
        Member m = find(id);
        if (m == null) {
            return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
        }
        CompletableFuture<Void> reconf = inConfiguration(id)
                ? raft.reconfigure(args(without(RaftPeerRole.FOLLOWER, id), without(RaftPeerRole.LISTENER, id)), executor)
                : CompletableFuture.completedFuture(null);
        return reconf.thenCompose(v -> propose(RaftRequest.newBuilder().setMemberRemove(id).build()));
    }

    public CompletableFuture<Void> promote(long id) {
        Member m = find(id);
        if (m == null) {
            return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
        }
        RaftPeer learner = peerOf(RaftPeerRole.LISTENER, id);
        if (learner == null) {
            return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_LEARNER.exception());
        }
        List<RaftPeer> voters = new ArrayList<>(raft.configuration().getCurrentPeers(RaftPeerRole.FOLLOWER));
        voters.add(RaftNode.peer(id, learner.getAddress(), RaftPeerRole.FOLLOWER));
        return raft.reconfigure(args(voters, without(RaftPeerRole.LISTENER, id)), executor)
                .thenCompose(v -> propose(RaftRequest.newBuilder().setMemberUpdate(
                        MemberAttributes.newBuilder().setMemberId(id).setIsLearner(false)).build()));
    }

    public CompletableFuture<Void> update(long id, List<String> peerUrls) {
        Member m = find(id);
        if (m == null) {
            return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
        }
        MemberAttributes change = MemberAttributes.newBuilder().setMemberId(id).addAllPeerUrls(peerUrls)
                .setIsLearner(m.getIsLearner()).build();
        CompletableFuture<Void> reconf = CompletableFuture.completedFuture(null);
        if (inConfiguration(id) && !peerUrls.isEmpty()) {
            String address = address(peerUrls.get(0));
            List<RaftPeer> voters = replaced(RaftPeerRole.FOLLOWER, id, address);
            List<RaftPeer> learners = replaced(RaftPeerRole.LISTENER, id, address);
            reconf = raft.reconfigure(args(voters, learners), executor);
        }
        return reconf.thenCompose(v -> propose(RaftRequest.newBuilder().setMemberUpdate(change).build()));
    }

    /**
     * Adds this member, started with {@code --initial-cluster-state existing}, to the
     * cluster it was recorded in by {@code member add}; retries until the leader takes it.
     * Returns the cluster ID.
     */
    public long join(long selfId, String selfAddress, long deadlineNanos) throws InterruptedException {
        while (true) {
            try {
                MemberInfo info = raft.leaderQuery(LeaderQuery.newBuilder().setMemberInfo(selfId).build())
                        .get(10, TimeUnit.SECONDS).getMemberInfo();
                if (!info.getFound()) {
                    throw new IllegalStateException("member " + Long.toHexString(selfId)
                            + " is not part of the cluster: add it first (etcdctl member add NAME --peer-urls=URL)");
                }
                RaftPeerRole role = info.getMember().getIsLearner() ? RaftPeerRole.LISTENER : RaftPeerRole.FOLLOWER;
                RaftPeer self = RaftNode.peer(selfId, selfAddress, role);
                SetConfigurationRequest.Arguments add = SetConfigurationRequest.Arguments.newBuilder()
                        .setMode(SetConfigurationRequest.Mode.ADD)
                        .setServersInNewConf(role == RaftPeerRole.FOLLOWER ? List.of(self) : List.of())
                        .setListenersInNewConf(role == RaftPeerRole.LISTENER ? List.of(self) : List.of())
                        .build();
                raft.reconfigure(add, executor).get(60, TimeUnit.SECONDS);
                LOG.info("joined the cluster as {}", role == RaftPeerRole.LISTENER ? "a learner" : "a voter");
                return info.getClusterId();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() > deadlineNanos) {
                    throw new IllegalStateException("could not join the cluster: " + e.getMessage(), e);
                }
                LOG.info("joining the cluster: {}; retrying", String.valueOf(e.getCause() == null ? e : e.getCause()));
                Thread.sleep(1000);
            }
        }
    }

    /** Replicates a membership record change, then waits until this member applied it, so it lists it. */
    private CompletableFuture<Void> propose(RaftRequest req) {
        return raft.propose(req).thenCompose(resp -> {
            if (resp.hasError()) {
                throw new CompletionException(ApplyErrors.toException(resp.getError()));
            }
            return raft.readBarrier();
        });
    }

    private Member find(long id) {
        for (Member m : list()) {
            if (m.getID() == id) {
                return m;
            }
        }
        return null;
    }

    private boolean inConfiguration(long id) {
        return peerOf(RaftPeerRole.FOLLOWER, id) != null || peerOf(RaftPeerRole.LISTENER, id) != null;
    }

    private RaftPeer peerOf(RaftPeerRole role, long id) {
        for (RaftPeer p : raft.configuration().getCurrentPeers(role)) {
            if (MemberIds.memberId(p.getId()) == id) {
                return p;
            }
        }
        return null;
    }

    private List<RaftPeer> without(RaftPeerRole role, long id) {
        List<RaftPeer> out = new ArrayList<>();
        for (RaftPeer p : raft.configuration().getCurrentPeers(role)) {
            if (MemberIds.memberId(p.getId()) != id) {
                out.add(p);
            }
        }
        return out;
    }

    private List<RaftPeer> replaced(RaftPeerRole role, long id, String address) {
        List<RaftPeer> out = new ArrayList<>();
        for (RaftPeer p : raft.configuration().getCurrentPeers(role)) {
            out.add(MemberIds.memberId(p.getId()) == id ? RaftNode.peer(id, address, role) : p);
        }
        return out;
    }

    /** Compare-and-set against the configuration this member sees, so concurrent changes cannot be lost. */
    private SetConfigurationRequest.Arguments args(List<RaftPeer> voters, List<RaftPeer> learners) {
        RaftConfiguration conf = raft.configuration();
        return SetConfigurationRequest.Arguments.newBuilder()
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .setServersInCurrentConf(new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)))
                .setListenersInCurrentConf(new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER)))
                .setServersInNewConf(voters)
                .setListenersInNewConf(learners)
                .build();
    }

    /** host:port of a peer URL, which is how Raft addresses a member. */
    public static String address(String peerUrl) {
        URI u = URI.create(peerUrl);
        return u.getHost() + ":" + u.getPort();
    }
}
