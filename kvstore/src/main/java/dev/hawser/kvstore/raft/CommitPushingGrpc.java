package dev.hawser.kvstore.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLogIOException;

/**
 * Ratis' gRPC transport, except that the leader tells followers about a commit as soon as it happens, as etcd's
 * raft does ({@code bcastAppend} after the commit index moves). Ratis 3.3.0 wakes its log appenders when the
 * commit index moves and sees that a follower's commit index is behind, but then only sends entries: with no new
 * entry to send it sends nothing, and the follower learns of the commit from the next heartbeat, up to half an
 * election timeout later. A write that came through a follower is answered once that follower applied it, so
 * every such write waited for that heartbeat. Here an appender with no entries sends an empty AppendEntries (a
 * heartbeat), which carries the commit index, when {@link CommitPushes} says the follower can use it.
 *
 * <p>The appenders also report AppendEntries replies to {@link HeartbeatRounds}, which confirms leadership for
 * linearizable reads with a heartbeat round instead of a log entry.
 *
 * <p>Selected by class name through {@code raft.rpc.type}, which is how Ratis takes a user-defined transport.
 */
public final class CommitPushingGrpc implements RpcType {
    @Override
    public String name() {
        return CommitPushingGrpc.class.getName();
    }

    @Override
    public RpcFactory newFactory(Parameters parameters) {
        return new Factory(parameters);
    }

    /** Where the appenders report AppendEntries replies; RaftNode puts its own in the transport's parameters. */
    static final String HEARTBEAT_ROUNDS = "hawser.heartbeat-rounds";

    static final class Factory extends GrpcFactory {
        private final HeartbeatRounds rounds;

        Factory(Parameters parameters) {
            super(parameters);
            this.rounds = parameters == null ? null : parameters.get(HEARTBEAT_ROUNDS, HeartbeatRounds.class);
            if (rounds == null) {
                throw new IllegalStateException(HEARTBEAT_ROUNDS + " missing from the transport parameters (see RaftNode)");
            }
        }

        @Override
        public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            Appender a = new Appender(server, new ObservedLeaderState(state, rounds), follower);
            rounds.register(a);
            return a;
        }
    }

    /** The leader's state as Ratis gives it to an appender, with each AppendEntries reply also told to the rounds. */
    private record ObservedLeaderState(LeaderState delegate, HeartbeatRounds rounds) implements LeaderState {
        @Override
        public void restart(LogAppender appender) {
            delegate.restart(appender);
        }

        @Override
        public AppendEntriesRequestProto newAppendEntriesRequestProto(FollowerInfo follower,
                java.util.List<org.apache.ratis.proto.RaftProtos.LogEntryProto> entries,
                org.apache.ratis.server.protocol.TermIndex previous, long callId) {
            return delegate.newAppendEntriesRequestProto(follower, entries, previous, callId);
        }

        @Override
        public void checkHealth(FollowerInfo follower) {
            delegate.checkHealth(follower);
        }

        @Override
        public boolean onFollowerTerm(FollowerInfo follower, long followerTerm) {
            return delegate.onFollowerTerm(follower, followerTerm);
        }

        @Override
        public void onFollowerCommitIndex(FollowerInfo follower, long commitIndex) {
            delegate.onFollowerCommitIndex(follower, commitIndex);
        }

        @Override
        public void onFollowerSuccessAppendEntries(FollowerInfo follower) {
            delegate.onFollowerSuccessAppendEntries(follower);
        }

        @Override
        public boolean isFollowerBootstrapping(FollowerInfo follower) {
            return delegate.isFollowerBootstrapping(follower);
        }

        @Override
        public void onAppendEntriesReply(LogAppender appender, org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto reply) {
            delegate.onAppendEntriesReply(appender, reply);
            rounds.onReply(appender, reply);
        }
    }

    static final class Appender extends GrpcLogAppender {
        private final CommitPushes pushes = new CommitPushes();

        Appender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            super(server, state, follower);
        }

        @Override
        public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat) throws RaftLogIOException {
            AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
            FollowerInfo follower = getFollower();
            if (request == null && !heartbeat && pushes.worthPushing(
                    getRaftLog().getLastCommittedIndex(), follower.getMatchIndex(), follower.getCommitIndex())) {
                request = super.newAppendEntriesRequest(callId, true);
            }
            if (request != null) {
                int n = request.getEntriesCount();
                pushes.sent(request.getLeaderCommit(),
                        n == 0 ? follower.getMatchIndex() : request.getEntries(n - 1).getIndex());
            }
            return request;
        }
    }
}
