package dev.hawser.kvstore.raft;

import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.proto.raft.LeaderQuery;
import dev.hawser.proto.raft.LeaderQueryResponse;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This member's Raft server, and all the api layer sees of Raft: {@link #propose}
 * replicates a request and returns its applied result; {@link #readBarrier} returns once
 * the local store has caught up with the leader's commit index at call time (ReadIndex).
 */
public final class RaftNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

    private final RaftServer server;
    private final RaftGroup group;
    private final RaftPeerId self;
    private final long selfId;
    private final RaftClient forwarder;
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final OwnEntries ownEntries = new OwnEntries(localClientId);
    private final ReadBarrier barrier;
    /** Leadership confirmations for linearizable reads (see {@link #leaderReadIndex}). */
    private final HeartbeatRounds heartbeats = new HeartbeatRounds();
    private final long electionTimeoutMs;
    private final Executor replyExecutor;
    private final java.util.concurrent.ExecutorService barrierThread;
    private final KvStateMachine stateMachine;
    private final ProposalQueue proposals;
    private final boolean peerTls;

    public RaftNode(Options o, KvStateMachine stateMachine, Executor replyExecutor) throws IOException {
        this.stateMachine = stateMachine;
        this.replyExecutor = replyExecutor;
        stateMachine.setReadIndexer(this::leaderReadIndex);
        stateMachine.setOwnEntries(ownEntries);
        this.selfId = o.selfId();
        this.electionTimeoutMs = o.electionTimeoutMs();
        this.self = MemberIds.peerId(o.selfId());
        RaftGroupId groupId = groupIdOf(o.clusterToken());
        this.group = RaftGroup.valueOf(groupId, peers(o.initialPeers()));
        this.peerTls = o.peerTls() != null;
        // One TLS setup for everything Raft sends or serves: the server's listener, its log appenders (which
        // also install snapshots) and the forwarding client below, which also carries joins and admin calls.
        Parameters transport = o.peerTls() == null ? new Parameters() : o.peerTls().parameters();
        transport.put(CommitPushingGrpc.HEARTBEAT_ROUNDS, heartbeats, HeartbeatRounds.class);
        this.server = RaftServer.newBuilder()
                .setServerId(self)
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(serverProperties(o))
                .setParameters(transport)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        // The client must reach somebody even when this member joins with no peers of its own yet.
        this.forwarder = RaftClient.newBuilder()
                .setProperties(clientProperties(o))
                .setParameters(transport)
                .setRaftGroup(RaftGroup.valueOf(groupId, peers(o.seedPeers())))
                .setClientId(ClientId.randomId())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) Math.max(10, o.electionTimeoutMs() * 5 / 100), TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
        this.barrierThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "read-barrier");
            t.setDaemon(true);
            return t;
        });
        this.barrier = new ReadBarrier(this::readIndex, barrierThread);
        this.proposals = new ProposalQueue(ProposalQueue.Limits.DEFAULT, this::send);
    }

    /**
     * Raft settings. {@code initialPeers} is the configuration a brand-new cluster starts
     * with (empty for a member joining an existing cluster, which is added by the leader);
     * {@code seedPeers} are the members this one can talk to at first.
     */
    public record Options(long selfId, Map<Long, String> initialPeers, Map<Long, String> seedPeers, String clusterToken,
                          java.nio.file.Path raftDir, String listenHost, int listenPort,
                          long snapshotCount, long heartbeatMs, long electionTimeoutMs, PeerTls peerTls) {
    }

    static List<RaftPeer> peers(Map<Long, String> addresses) {
        List<RaftPeer> peers = new ArrayList<>();
        addresses.forEach((id, address) -> peers.add(peer(id, address, RaftPeerRole.FOLLOWER)));
        return peers;
    }

    public static RaftPeer peer(long memberId, String address, RaftPeerRole role) {
        return RaftPeer.newBuilder().setId(MemberIds.peerId(memberId)).setAddress(address).setStartupRole(role).build();
    }

    /** One Raft group per cluster, named by the cluster token so that members agree without talking. */
    public static RaftGroupId groupIdOf(String clusterToken) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("hawser/" + clusterToken).getBytes(StandardCharsets.UTF_8)));
    }

    static RaftProperties serverProperties(Options o) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(o.raftDir().toFile()));
        GrpcConfigKeys.Server.setHost(p, o.listenHost());
        GrpcConfigKeys.Server.setPort(p, o.listenPort());
        // JVM pauses make etcd's 1 s election timeout too tight; Ratis draws it from [min, 2*min].
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(o.electionTimeoutMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(o.electionTimeoutMs() * 2, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setTimeout(p, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        // Snapshots bound the log and let a lagging or new member catch up by install.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, o.snapshotCount());
        RaftServerConfigKeys.Snapshot.setCreationGap(p, Math.min(1024, o.snapshotCount()));
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, o.snapshotCount()));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, Math.min(1000, o.snapshotCount() / 2));
        // Only closed segments can be purged, so segments must be small next to a snapshot's worth of log.
        long segmentBytes = Math.max(64L << 10, Math.min(32L << 20, o.snapshotCount() * 512));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(segmentBytes));
        // Every acknowledged write is fsynced by a quorum; these only shape batching. Ratis' async flush stays
        // off (as does its unsafe flush): in 3.3.0 a finished fsync marks as flushed every entry written by the
        // time it finishes, those written while it ran (still in the write buffer) too, and even when it failed,
        // so a member could acknowledge entries that are not on its disk.
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);
        // Ratis' commit-index metadata entries would double the log writes; the commit index is
        // learnt from the leader after a restart anyway, and applied entries are tracked in RocksDB.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        // Followers learn of each commit at once, not at the next heartbeat (see CommitPushingGrpc).
        org.apache.ratis.RaftConfigKeys.Rpc.setType(p, new CommitPushingGrpc());
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("9MB"));
        RaftServerConfigKeys.Write.setElementLimit(p, 16384);
        // Ratis holds each AppendEntries until wait-time.min (1 ms) has passed since the last send to that
        // follower, and the commit push or heartbeat before it counts as a send: a lone client's write waited
        // up to 1 ms per round trip. ProposalQueue already groups concurrent writes into one entry; an appender
        // with nothing to send still sleeps for the heartbeat interval, and a slow follower is still paced.
        RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.ZERO);
        return p;
    }

    private static RaftProperties clientProperties(Options o) {
        RaftProperties p = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(o.electionTimeoutMs() * 3, TimeUnit.MILLISECONDS));
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 10000);
        return p;
    }

    public void start() throws IOException {
        server.start();
        LOG.info("raft member {} started in group {}", self, group);
    }

    private DivisionInfo info() {
        try {
            return server.getDivision(group.getGroupId()).getInfo();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isLeader() {
        return info().isLeader();
    }

    /** The leader's member ID, or 0 while there is none. */
    public long leaderId() {
        RaftPeerId leader = info().getLeaderId();
        return leader == null ? 0 : MemberIds.memberId(leader);
    }

    public boolean hasLeader() {
        return info().getLeaderId() != null;
    }

    /** Whether this member is a learner (a Ratis listener): it receives the log but does not vote. */
    public boolean isLearner() {
        return info().isListener();
    }

    /** The current Raft configuration: voters and learners. */
    public RaftConfiguration configuration() {
        try {
            return server.getDivision(group.getGroupId()).getRaftConf();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Changes the configuration through the leader; returns when Raft committed it. */
    public CompletableFuture<Void> reconfigure(SetConfigurationRequest.Arguments args, Executor executor) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                RaftClientReply r = forwarder.admin().setConfiguration(args);
                if (!r.isSuccess()) {
                    throw new CompletionException(translate(r.getException()));
                }
                return null;
            } catch (IOException e) {
                throw new CompletionException(translate(e));
            }
        }, executor);
    }

    /** Hands leadership to another voter (etcd's MoveLeader). */
    public CompletableFuture<Void> transferLeadership(long targetId, long timeoutMs, Executor executor) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                RaftClientReply r = forwarder.admin().transferLeadership(MemberIds.peerId(targetId), timeoutMs);
                if (!r.isSuccess()) {
                    throw new CompletionException(translate(r.getException()));
                }
                return null;
            } catch (IOException e) {
                throw new CompletionException(translate(e));
            }
        }, executor);
    }

    public long term() {
        return info().getCurrentTerm();
    }

    public long appliedIndex() {
        return info().getLastAppliedIndex();
    }

    public long commitIndex() {
        try {
            return server.getDivision(group.getGroupId()).getRaftLog().getLastCommittedIndex();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The scheme of this cluster's peer URLs: https with peer TLS, else http. */
    public String peerScheme() {
        return peerTls ? "https" : "http";
    }

    public long selfId() {
        return selfId;
    }

    public RaftGroup group() {
        return group;
    }

    public KvStateMachine stateMachine() {
        return stateMachine;
    }

    /**
     * Replicates a request and returns what applying it produced. Concurrent requests share log entries (see
     * {@link ProposalQueue}). The leader submits straight to its own server; a follower forwards through a
     * Ratis client, which finds the leader and retries across elections. Either way the answer comes once
     * this member applied the entry too.
     */
    public CompletableFuture<RaftResponse> propose(RaftRequest request) {
        return proposals.submit(request);
    }

    /**
     * Sends one batch as one log entry and answers each of its requests; the returned future completes when
     * Raft answered the entry, which frees the batch's slot in the {@link ProposalQueue}.
     */
    private CompletableFuture<RaftClientReply> send(List<ProposalQueue.Pending> batch) {
        List<RaftRequest> requests = new ArrayList<>(batch.size());
        batch.forEach(p -> requests.add(p.request()));
        Proposal proposal = Proposal.of(requests);
        CompletableFuture<RaftClientReply> reply = submit(proposal.toMessage());
        reply.handleAsync((r, err) -> {
            if (err != null || !r.isSuccess()) {
                EtcdException e = translate(err != null ? err : r.getException());
                batch.forEach(p -> p.response().completeExceptionally(e));
                return null;
            }
            List<RaftResponse> responses;
            try {
                responses = proposal.responses(r.getMessage().getContent().asReadOnlyByteBuffer());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                batch.forEach(p -> p.response().completeExceptionally(e));
                return null;
            }
            CompletableFuture<Void> applied = caughtUp(r.getLogIndex());
            if (applied.isDone()) {
                answer(batch, responses);
            } else {
                // Not on the thread that applied the entry: that is Ratis' apply thread.
                applied.whenCompleteAsync((v, e) -> answer(batch, responses), replyExecutor);
            }
            return null;
        }, replyExecutor);
        return reply;
    }

    /**
     * Completes each request's future with its response, all on this thread: a caller's continuation only builds
     * its answer and queues it on its gRPC stream, which costs less than waking another thread for it.
     */
    private void answer(List<ProposalQueue.Pending> batch, List<RaftResponse> responses) {
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).response().complete(responses.get(i));
        }
    }

    /**
     * Submits a write entry: to this member's server while it leads, else through the forwarding client. A
     * member that refused the entry without logging it (not the leader after all, or a leader that has not yet
     * applied its first entry of the term, Ratis' LeaderNotReady, where etcd's leader would take it) hands it
     * to the forwarding client, which waits for a leader and retries, rather than failing back to the caller.
     * One that it logged and then lost the leadership over is not sent again (see {@link OwnEntries}): its answer
     * is what this member applies for it or, after etcd's request timeout, etcd's "possibly due to previous
     * leader failure".
     */
    private CompletableFuture<RaftClientReply> submit(Message msg) {
        if (!isLeader()) {
            return forwarder.async().send(msg);
        }
        long callId = callIds.incrementAndGet();
        return submitLocal(msg, RaftClientRequest.writeRequestType(), callId).handle((r, err) -> {
            CompletableFuture<OwnEntries.Applied> logged = ownEntries.outcome(callId);
            boolean refused = err == null
                    && (r.getNotLeaderException() != null || r.getException() instanceof LeaderNotReadyException);
            if (!refused || logged == null) {
                ownEntries.forget(callId);
            }
            if (err != null) {
                return CompletableFuture.<RaftClientReply>failedFuture(err);
            }
            if (!refused) {
                return CompletableFuture.completedFuture(r);
            }
            return logged == null ? forwarder.async().send(msg) : outcomeOf(callId, logged);
        }).thenCompose(f -> f);
    }

    /** The answer to a logged entry whose leader stepped down: what applying it produced here, if it commits. */
    private CompletableFuture<RaftClientReply> outcomeOf(long callId, CompletableFuture<OwnEntries.Applied> logged) {
        return logged.orTimeout(requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .whenComplete((a, err) -> ownEntries.forget(callId))
                .handle((a, err) -> {
                    if (err != null) {
                        LOG.info("an entry logged before the leadership went was not applied here within {} ms",
                                requestTimeoutMs());
                        throw new CompletionException(EtcdError.TIMEOUT_DUE_TO_LEADER_FAIL.exception());
                    }
                    LOG.info("an entry logged before the leadership went was committed by the next leader at {}",
                            a.index());
                    return RaftClientReply.newBuilder().setClientId(localClientId).setServerId(self)
                            .setGroupId(group.getGroupId()).setCallId(callId).setSuccess()
                            .setMessage(a.answer()).setLogIndex(a.index()).build();
                });
    }

    /** etcd's ReqTimeout: how long its server waits for a proposal to apply before giving up on it. */
    private long requestTimeoutMs() {
        return 5_000 + 2 * electionTimeoutMs;
    }

    /**
     * Replicates {@code request} in an entry of its own, outside the {@link ProposalQueue}, and
     * answers once {@code applied} says this member applied it too.
     */
    private CompletableFuture<RaftResponse> replicate(RaftRequest request,
                                                      java.util.function.LongFunction<CompletableFuture<Void>> applied) {
        Message msg = Message.valueOf(UnsafeByteOperations.unsafeWrap(request.toByteString().asReadOnlyByteBuffer()));
        CompletableFuture<RaftClientReply> reply = submit(msg);
        return decode(reply.thenCompose(r -> r.isSuccess()
                ? applied.apply(r.getLogIndex()).thenApply(v -> r)
                : CompletableFuture.completedFuture(r)), RaftResponse.parser());
    }

    /**
     * Completes once this member applied {@code index}. A follower hears of the commit right after the leader
     * (see {@link CommitPushingGrpc}), so this is one round trip at most.
     */
    private CompletableFuture<Void> caughtUp(long index) {
        return stateMachine.awaitApplied(index);
    }

    /**
     * Asks the leader something only its clock knows (lease keep-alive, remaining TTL). The
     * query runs after a ReadIndex round, so a deposed leader cannot answer.
     */
    public CompletableFuture<LeaderQueryResponse> leaderQuery(LeaderQuery q) {
        Message msg = Message.valueOf(UnsafeByteOperations.unsafeWrap(q.toByteString().asReadOnlyByteBuffer()));
        CompletableFuture<RaftClientReply> reply;
        RaftPeerId leader = info().getLeaderId();
        if (isLeader()) {
            reply = submitLocal(msg, RaftClientRequest.readRequestType(), callIds.incrementAndGet());
        } else if (leader != null) {
            // Addressed to the leader: Ratis would otherwise answer read-only requests on any follower.
            // Unordered: an ordered read would hold back this client's forwarded writes until it is answered.
            reply = forwarder.async().sendReadOnlyUnordered(msg, leader);
        } else {
            // No leader known here (a member still joining, say): any member the client finds can answer.
            reply = forwarder.async().sendReadOnlyUnordered(msg);
        }
        return decode(reply, LeaderQueryResponse.parser());
    }

    /** A Ratis reply's message as {@code T}; Ratis failures become etcd's retryable errors. */
    private <T> CompletableFuture<T> decode(CompletableFuture<RaftClientReply> reply,
                                            com.google.protobuf.Parser<T> parser) {
        // Decoding and whatever the caller chains on runs on the reply executor, not on Ratis' apply thread.
        return reply.handleAsync((r, err) -> {
            if (err != null) {
                throw new CompletionException(translate(err));
            }
            if (!r.isSuccess()) {
                throw new CompletionException(translate(r.getException()));
            }
            try {
                return parser.parseFrom(r.getMessage().getContent().asReadOnlyByteBuffer());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new CompletionException(e);
            }
        }, replyExecutor);
    }

    /** Completes when a linearizable read may be served from the local store. */
    public CompletableFuture<Void> readBarrier() {
        return barrier.await();
    }

    /**
     * One ReadIndex round, as etcd does it: the leader notes its commit index, confirms with a heartbeat round
     * that it still leads, and the reader waits until that index is applied here. A follower asks the leader for
     * such a confirmed index (a {@link LeaderQuery}) and waits until it applied it itself. Ratis' own ReadIndex is
     * not used: in 3.3.0 it skips the heartbeat round when the commit index has not moved since the last round,
     * so a leader cut off from the others could serve stale reads.
     */
    private CompletableFuture<Void> readIndex() {
        CompletableFuture<Long> index = isLeader() ? leaderReadIndex()
                : leaderQuery(LeaderQuery.newBuilder().setReadIndex(dev.hawser.proto.raft.Empty.getDefaultInstance()).build())
                        .thenApply(RaftNode::readIndexOf);
        return index.thenCompose(stateMachine::awaitApplied);
    }

    /**
     * The read index in a leader's answer. A member that could not confirm its leadership answers with an error
     * and no index; waiting for index 0 instead would serve whatever this member happens to have. A member that
     * no longer leads is an election to the reader, which its client retries.
     */
    static long readIndexOf(LeaderQueryResponse answer) {
        if (answer.hasError()) {
            EtcdError known = EtcdError.of(answer.getError().getCode(), answer.getError().getMessage());
            throw new CompletionException(
                    (known == null || known == EtcdError.NOT_LEADER ? EtcdError.LEADER_CHANGED : known).exception());
        }
        return answer.getReadIndex();
    }

    /**
     * On the leader: a commit index that every linearizable read may wait for. A leader that has not yet
     * committed an entry of its own term does not know the commit index; it commits a no-op first, as Raft says.
     */
    public CompletableFuture<Long> leaderReadIndex() {
        if (!isLeader()) {
            return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
        }
        if (!info().isLeaderReady()) {
            return replicate(RaftRequest.newBuilder().setNoop(dev.hawser.proto.raft.Empty.getDefaultInstance()).build(),
                    stateMachine::awaitApplied).thenApply(r -> commitIndex());
        }
        long index = commitIndex();
        long term = term();
        return heartbeats.confirm(self, this::configuration)
                .orTimeout(2 * electionTimeoutMs, TimeUnit.MILLISECONDS)
                .handle((v, err) -> {
                    if (err != null || !isLeader() || term() != term) {
                        throw new CompletionException(EtcdError.LEADER_CHANGED.exception());
                    }
                    return index;
                });
    }

    private CompletableFuture<RaftClientReply> submitLocal(Message msg, RaftClientRequest.Type type, long callId) {
        RaftClientRequest req = RaftClientRequest.newBuilder()
                .setClientId(localClientId)
                .setServerId(self)
                .setGroupId(group.getGroupId())
                .setCallId(callId)
                .setMessage(msg)
                .setType(type)
                .build();
        try {
            // Straight to this member's division: RaftServer.submitClientRequestAsync would hand the request to
            // Ratis' client-request pool and block this thread until that pool has appended it, two thread
            // switches on every write's way to the log for nothing, as the caller waits either way.
            return ((RaftClientAsynchronousProtocol) server.getDivision(group.getGroupId())).submitClientRequestAsync(req);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Ratis failures become the errors etcd clients know how to retry. */
    static EtcdException translate(Throwable err) {
        Throwable t = err;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof EtcdException e) {
            return e;
        }
        if (t instanceof NotLeaderException) {
            return EtcdError.LEADER_CHANGED.exception();
        }
        String name = t == null ? "" : t.getClass().getSimpleName();
        if (name.contains("Timeout")) {
            return EtcdError.TIMEOUT.exception();
        }
        if (name.contains("LeaderNotReady") || name.contains("LeaderSteppingDown") || name.contains("ReadIndex")
                || name.contains("ReadException") || name.contains("RaftRetryFailure") || name.contains("AlreadyClosed")
                || name.contains("ServerNotReady")) {
            return EtcdError.LEADER_CHANGED.exception();
        }
        LOG.warn("raft request failed", t);
        return EtcdError.NO_LEADER.exception();
    }

    @Override
    public void close() throws IOException {
        proposals.close();
        try {
            forwarder.close();
        } finally {
            server.close();
            barrierThread.shutdownNow();
        }
    }
}
