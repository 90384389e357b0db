package dev.hawser.kvstore.raft;

import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.leader.LogAppender;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Confirms that this member still leads the way etcd's ReadIndex does: every follower gets a heartbeat sent after
 * the question was asked, and the answer is yes once a majority of the voters (this member counted) acknowledged
 * one. Ratis 3.3.0's own ReadIndex skips the round when the commit index has not moved since the last confirmed
 * one, which lets a deposed leader that cannot commit anything serve stale reads; committing a no-op avoids that
 * but costs a log write and an fsync on every member per round, where this costs one round trip.
 *
 * <p>The leader's log appenders report every AppendEntries reply here (see {@link CommitPushingGrpc}).
 */
final class HeartbeatRounds {
    /** The current log appender of each follower, as the leader's Raft server created them. */
    private final Map<RaftPeerId, LogAppender> appenders = new ConcurrentHashMap<>();
    private final Set<Round> pending = ConcurrentHashMap.newKeySet();

    void register(LogAppender appender) {
        appenders.put(appender.getFollowerId(), appender);
    }

    /**
     * A round that completes once a majority of {@code conf}'s voters (and of the previous voters during a
     * membership change) acknowledged a heartbeat sent after this call. It never completes if this member lost its
     * leadership: the caller bounds the wait.
     */
    CompletableFuture<Void> confirm(RaftPeerId self, Supplier<RaftConfiguration> conf) {
        Round round = new Round(self, conf);
        for (LogAppender a : appenders.values()) {
            round.expect(a);
        }
        pending.add(round);
        round.future.whenComplete((v, err) -> pending.remove(round));
        for (LogAppender a : appenders.values()) {
            a.triggerHeartbeat();
        }
        round.check();
        return round.future;
    }

    void onReply(LogAppender appender, AppendEntriesReplyProto reply) {
        if (!reply.getServerReply().getSuccess()) {
            return;
        }
        for (Round r : pending) {
            r.receive(appender, reply);
        }
    }

    private static final class Round {
        final CompletableFuture<Void> future = new CompletableFuture<>();
        private final RaftPeerId self;
        private final Supplier<RaftConfiguration> conf;
        /** The first call id of each follower's appender that counts: anything sent after the round began. */
        private final Map<RaftPeerId, Long> firstCallIds = new ConcurrentHashMap<>();
        private final Set<RaftPeerId> acknowledged = ConcurrentHashMap.newKeySet();

        Round(RaftPeerId self, Supplier<RaftConfiguration> conf) {
            this.self = self;
            this.conf = conf;
        }

        void expect(LogAppender a) {
            // Call ids are taken when a request is built: the current one is the next request, built after now.
            firstCallIds.put(a.getFollowerId(), a.getCallId());
        }

        void receive(LogAppender appender, AppendEntriesReplyProto reply) {
            Long first = firstCallIds.computeIfAbsent(appender.getFollowerId(), id -> appender.getCallId());
            if (appender.getCallIdComparator().compare(reply.getServerReply().getCallId(), first) >= 0
                    && acknowledged.add(appender.getFollowerId())) {
                check();
            }
        }

        void check() {
            RaftConfiguration c = conf.get();
            if (majority(c.getCurrentPeers()) && (c.getPreviousPeers().isEmpty() || majority(c.getPreviousPeers()))) {
                future.complete(null);
            }
        }

        private boolean majority(Collection<RaftPeer> voters) {
            int yes = 0;
            for (RaftPeer p : voters) {
                if (p.getId().equals(self) || acknowledged.contains(p.getId())) {
                    yes++;
                }
            }
            return yes > voters.size() / 2;
        }
    }
}
