package dev.hawser.kvstore.raft;

import dev.hawser.kvstore.alarm.Alarms;
import dev.hawser.kvstore.auth.AuthStore;
import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.auth.TokenProvider;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.lease.Lessor;
import dev.hawser.kvstore.watch.KvSource;
import dev.hawser.kvstore.watch.WatchHub;
import dev.hawser.proto.etcdserverpb.LeaseKeepAliveResponse;
import dev.hawser.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.hawser.proto.raft.LeaderQuery;
import dev.hawser.proto.raft.LeaderQueryResponse;
import dev.hawser.proto.raft.MemberInfo;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import java.util.concurrent.TimeUnit;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.Dirs;
import dev.hawser.proto.raft.MemberAttributes;
import dev.hawser.kvstore.txn.Txns;
import dev.hawser.proto.raft.RaftResponse;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * The Ratis state machine: decodes each committed entry and hands it to the
 * {@link Applier}; snapshots are RocksDB checkpoints (see {@link CheckpointStorage}).
 *
 * <p>The live database is outside Ratis' directories. On restart Ratis replays the log
 * from the newest snapshot, and entries the database already holds are skipped, so
 * RocksDB never needs a synchronous write: the fsynced Raft log is the durable record.
 */
public final class KvStateMachine extends BaseStateMachine implements KvSource {
    private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);

    private final Path liveDir;
    private final CheckpointStorage storage = new CheckpointStorage();
    private final Lessor lessor;
    private final Alarms alarms = new Alarms();
    private final AuthStore auth = new AuthStore();
    private final Authorizer authorizer;
    private final TokenProvider tokens;
    private final WatchHub watchHub;
    private final long electionTimeoutNanos;
    private final Applier applier;
    /** Readers hold it shared; installing a snapshot swaps the live store under it exclusively. */
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
    private volatile LiveStore live;
    private final AppliedIndex appliedIndex = new AppliedIndex();
    /** The cluster's ID, told to members that join; set once known. */
    private volatile long clusterId;
    /** Entries up to here are already in the live database (replayed after a restart). */
    private volatile long durableIndex;

    public KvStateMachine(Path liveDir, Lessor lessor, long electionTimeoutMs, TokenProvider tokens) {
        this.liveDir = liveDir;
        this.lessor = lessor;
        this.tokens = tokens;
        this.electionTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(electionTimeoutMs);
        auth.onCredentialsRevoked(tokens::invalidate);
        this.authorizer = new Authorizer(auth, lessor::keys);
        this.applier = new Applier(new Txns(lessor), lessor, alarms, auth, authorizer, tokens);
        this.watchHub = new WatchHub(this);
    }

    /** Runs {@code fn} against the live MVCC store; it cannot be swapped out meanwhile. */
    @Override
    public <T, E extends Exception> T withKv(KvFunction<T, E> fn) throws E {
        swap.readLock().lock();
        try {
            return fn.apply(live.kv());
        } finally {
            swap.readLock().unlock();
        }
    }

    /** Runs {@code fn} against the live MVCC store. */
    public <T, E extends Exception> T read(KvFunction<T, E> fn) throws E {
        return withKv(fn);
    }

    /** Configuration and other non-state-machine entries count as applied too. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        super.notifyTermIndexUpdated(term, index);
        appliedIndex.advance(index);
    }

    /** Completes once this member applied {@code index}. */
    public CompletableFuture<Void> awaitApplied(long index) {
        return appliedIndex.await(index);
    }

    public void setClusterId(long clusterId) {
        this.clusterId = clusterId;
    }

    public WatchHub watchHub() {
        return watchHub;
    }

    public Lessor lessor() {
        return lessor;
    }

    public Alarms alarms() {
        return alarms;
    }

    public AuthStore auth() {
        return auth;
    }

    /** The permission rules, over this member's auth state and lease attachments; the API layer uses it too. */
    public Authorizer authorizer() {
        return authorizer;
    }

    public TokenProvider tokens() {
        return tokens;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        getLifeCycle().startAndTransition(this::openLive, IOException.class);
    }

    private void openLive() throws IOException {
        Optional<Path> snapshot = storage.newest();
        if (!Files.exists(liveDir) && snapshot.isPresent()) {
            // A member restored from a backup, or one that lost its database: start from the snapshot.
            copyCheckpoint(snapshot.get(), liveDir);
        }
        live = LiveStore.open(liveDir);
        attach(live);
        TermIndex applied = live.applied();
        durableIndex = applied.getIndex();
        TermIndex start = snapshot.map(CheckpointStorage::termIndexOf).orElse(null);
        if (start != null) {
            setLastAppliedTermIndex(start);
        }
        LOG.info("opened live store at {}: applied {}, revision {}, newest snapshot {}",
                liveDir, applied, live.kv().rev(), start);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /**
     * On the leader, decodes a client's entry before it is logged, on the submitting thread; the apply thread
     * then finds it decoded in the context. Undecodable data is refused here and never reaches the log.
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext trx = super.startTransaction(request);
        try {
            trx.setStateMachineContext(Proposal.decode(request.getMessage().getContent().asReadOnlyByteBuffer()));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            trx.setException(e);
        }
        return trx;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        long term = entry.getTerm();
        if (index <= durableIndex) {
            updateLastAppliedTermIndex(term, index);
            appliedIndex.advance(index);
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        Message reply;
        try {
            // Followers, and every member replaying its log, decode here: on a follower, decoding in
            // startTransaction would run under the Raft log's lock, before the entry is acknowledged.
            Proposal proposal = trx.getStateMachineContext() instanceof Proposal p ? p
                    : Proposal.decode(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
            List<RaftResponse> responses;
            swap.readLock().lock();
            try {
                responses = applier.apply(live, proposal, term, index);
            } finally {
                swap.readLock().unlock();
            }
            reply = proposal.answer(responses);
            ownEntries.onApplied(entry.getStateMachineLogEntry().getClientId(),
                    entry.getStateMachineLogEntry().getCallId(), index, reply);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // Only a bug or a corrupt log gets here; fail the request, keep the replicas in step.
            LOG.error("undecodable entry {}", index, e);
            reply = Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations.unsafeWrap(
                    RaftResponse.getDefaultInstance().toByteString().asReadOnlyByteBuffer()));
        }
        updateLastAppliedTermIndex(term, index);
        appliedIndex.advance(index);
        return CompletableFuture.completedFuture(reply);
    }

    /** A {@link LeaderQuery}, which only the leader can answer (Ratis routes it there). */
    @Override
    public CompletableFuture<Message> query(Message request) {
        LeaderQueryResponse.Builder out = LeaderQueryResponse.newBuilder();
        try {
            LeaderQuery q = LeaderQuery.parseFrom(request.getContent().asReadOnlyByteBuffer());
            if (q.getQueryCase() == LeaderQuery.QueryCase.READ_INDEX) {
                return readIndexer.get().handle((index, err) -> {
                    if (err != null) {
                        out.setError(Applier.error(RaftNode.translate(err).error()));
                    } else {
                        out.setReadIndex(index);
                    }
                    return message(out);
                });
            }
            switch (q.getQueryCase()) {
                case LEASE_KEEP_ALIVE -> {
                    long id = q.getLeaseKeepAlive().getID();
                    out.setLeaseKeepAlive(LeaseKeepAliveResponse.newBuilder().setID(id).setTTL(lessor.renew(id)));
                }
                case MEMBER_INFO -> {
                    MemberInfo.Builder info = MemberInfo.newBuilder().setClusterId(clusterId);
                    for (MemberAttributes m : members()) {
                        if (m.getMemberId() == q.getMemberInfo()) {
                            info.setFound(true).setMember(m);
                        }
                    }
                    out.setMemberInfo(info);
                }
                case LEASE_TIME_TO_LIVE -> {
                    if (!lessor.isPrimary()) {
                        throw EtcdError.LEADER_CHANGED.exception();
                    }
                    LeaseTimeToLiveRequest r = q.getLeaseTimeToLive();
                    out.setLeaseTimeToLive(lessor.timeToLive(r.getID(), r.getKeys()));
                }
                default -> throw EtcdError.NOT_CAPABLE.exception();
            }
        } catch (EtcdException e) {
            out.setError(Applier.error(e.error()));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            out.setError(Applier.error(EtcdError.NOT_CAPABLE));
        }
        return CompletableFuture.completedFuture(message(out));
    }

    private static Message message(LeaderQueryResponse.Builder out) {
        return Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations.unsafeWrap(
                out.build().toByteString().asReadOnlyByteBuffer()));
    }

    /** The entries that this member's own RaftNode logged as leader and may still wait for. */
    private volatile OwnEntries ownEntries = new OwnEntries(org.apache.ratis.protocol.ClientId.emptyClientId());

    void setOwnEntries(OwnEntries ownEntries) {
        this.ownEntries = ownEntries;
    }

    /** Ratis calls this under its log's lock, right before the entry goes into the log: keep it cheap. */
    @Override
    public TransactionContext preAppendTransaction(TransactionContext trx) throws IOException {
        RaftClientRequest request = trx.getClientRequest();
        if (request != null) {
            ownEntries.onLogged(request);
        }
        return super.preAppendTransaction(trx);
    }

    /** Where a follower's request for a read index is answered on the leader: {@link RaftNode#leaderReadIndex}. */
    private volatile java.util.function.Supplier<CompletableFuture<Long>> readIndexer =
            () -> CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());

    void setReadIndexer(java.util.function.Supplier<CompletableFuture<Long>> readIndexer) {
        this.readIndexer = readIndexer;
    }

    /** Lease expiry is the leader's job; it takes over once its first entry is committed. */
    @Override
    public void notifyLeaderReady() {
        lessor.promote(electionTimeoutNanos);
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        if (!groupMemberId.getPeerId().equals(newLeaderId)) {
            lessor.demote();
        }
    }

    @Override
    public CompletableFuture<Message> queryStale(Message request, long minIndex) {
        return query(request);
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex ti = getLastAppliedTermIndex();
        if (ti == null || ti.getIndex() <= 0) {
            return -1;
        }
        Path target = storage.dirFor(ti);
        if (Files.exists(target)) {
            return ti.getIndex();
        }
        Path tmp = storage.tmpDirFor(ti);
        Dirs.deleteRecursively(tmp);
        live.backend().checkpoint(tmp);
        Files.move(tmp, target);
        storage.refresh();
        LOG.info("took snapshot {} (revision {})", ti, live.kv().rev());
        return ti.getIndex();
    }

    @Override
    public void pause() {
        LifeCycle lc = getLifeCycle();
        if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
            lc.transition(LifeCycle.State.PAUSING);
            lc.transition(LifeCycle.State.PAUSED);
        }
    }

    /** Called after Ratis installed a snapshot from the leader: the live store becomes a copy of it. */
    @Override
    public void reinitialize() throws IOException {
        storage.refresh();
        Optional<Path> snapshot = storage.newest();
        swap.writeLock().lock();
        try {
            if (snapshot.isPresent()) {
                live.close();
                Dirs.deleteRecursively(liveDir);
                copyCheckpoint(snapshot.get(), liveDir);
                live = LiveStore.open(liveDir);
                attach(live);
                durableIndex = live.applied().getIndex();
                setLastAppliedTermIndex(CheckpointStorage.termIndexOf(snapshot.get()));
                appliedIndex.advance(CheckpointStorage.termIndexOf(snapshot.get()).getIndex());
                LOG.info("installed snapshot {}: revision {}", snapshot.get().getFileName(), live.kv().rev());
            }
        } finally {
            swap.writeLock().unlock();
        }
        LifeCycle lc = getLifeCycle();
        if (lc.getCurrentState() == LifeCycle.State.PAUSED) {
            lc.transition(LifeCycle.State.STARTING);
            lc.transition(LifeCycle.State.RUNNING);
        }
    }

    /** Connects a freshly opened store to the lessor and the watchers. */
    private void attach(LiveStore store) {
        store.kv().setCommitListener(watchHub);
        lessor.restore(store.backend(), store.kv());
        alarms.restore(store.backend());
        auth.restore(store.backend());
        watchHub.storeReplaced();
    }

    /** Fills a fresh live directory from a checkpoint: table files hard-linked, the rest copied. */
    static void copyCheckpoint(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!Files.isRegularFile(f) || name.endsWith(CheckpointStorage.MD5_SUFFIX)) {
                    continue;
                }
                Path dst = to.resolve(name);
                if (name.endsWith(".sst")) {
                    // Table files are immutable, so the live store can share them with the snapshot.
                    try {
                        Files.createLink(dst, f);
                        continue;
                    } catch (IOException | UnsupportedOperationException e) {
                        // another file system: fall through to a copy
                    }
                }
                Files.copy(f, dst);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void close() throws IOException {
        watchHub.close();
        swap.writeLock().lock();
        try {
            if (live != null) {
                live.close();
                live = null;
            }
        } finally {
            swap.writeLock().unlock();
        }
        super.close();
    }

    /** etcd's dbSize: the space the database takes on disk. */
    public long dbSizeBytes() {
        return read(kv -> live.backend().sizeBytes());
    }

    /** etcd's dbSizeInUse: the live data in it. */
    public long dbSizeInUseBytes() {
        return read(kv -> live.backend().sizeInUseBytes());
    }

    /** Rewrites the database to give back the space of deleted and compacted data. */
    public void defragment() {
        this.<Void, RuntimeException>read(kv -> {
            live.backend().defragment();
            return null;
        });
    }

    /** Writes a consistent point-in-time copy of the live database into {@code target}, which must not exist. */
    public void checkpoint(Path target) {
        this.<Void, RuntimeException>withKv(kv -> {
            live.backend().checkpoint(target);
            return null;
        });
    }

    /** Members that announced their attributes through the log, in member-ID order. */
    public List<MemberAttributes> members() {
        return read(kv -> {
            List<MemberAttributes> out = new ArrayList<>();
            live.backend().scan(Cf.MEMBERS, new byte[0], null, (k, v) -> {
                try {
                    out.add(MemberAttributes.parseFrom(v));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException("corrupt member record", e);
                }
                return true;
            });
            return out;
        });
    }

    /** The current Raft term/index applied, for status reporting. */
    public long appliedIndex() {
        TermIndex ti = getLastAppliedTermIndex();
        return ti == null ? 0 : ti.getIndex();
    }
}
