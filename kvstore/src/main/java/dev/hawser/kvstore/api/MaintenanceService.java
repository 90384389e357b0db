package dev.hawser.kvstore.api;

import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.mvcc.HashResult;
import dev.hawser.kvstore.mvcc.MvccException;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.etcdserverpb.AlarmRequest;
import dev.hawser.proto.etcdserverpb.AlarmResponse;
import dev.hawser.proto.etcdserverpb.DefragmentRequest;
import dev.hawser.proto.etcdserverpb.DefragmentResponse;
import dev.hawser.proto.etcdserverpb.HashKVRequest;
import dev.hawser.proto.etcdserverpb.HashKVResponse;
import dev.hawser.proto.etcdserverpb.HashRequest;
import dev.hawser.proto.etcdserverpb.HashResponse;
import dev.hawser.proto.etcdserverpb.MaintenanceGrpc;
import dev.hawser.proto.etcdserverpb.MoveLeaderRequest;
import dev.hawser.proto.etcdserverpb.MoveLeaderResponse;
import dev.hawser.proto.etcdserverpb.StatusRequest;
import dev.hawser.proto.etcdserverpb.StatusResponse;
import dev.hawser.proto.raft.RaftRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import dev.hawser.kvstore.snapshot.SnapshotFile;
import dev.hawser.kvstore.storage.Dirs;
import dev.hawser.proto.etcdserverpb.SnapshotRequest;
import dev.hawser.proto.etcdserverpb.SnapshotResponse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.concurrent.Executor;

/** etcd's Maintenance service: local answers about this member, no consensus needed. */
public final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
    /** The etcd API level Hawser implements; clients use it for feature checks. */
    public static final String API_VERSION = "3.5.0";

    private final RaftNode raft;
    private final Headers headers;
    private final long quotaBytes;
    private final Executor executor;
    /** Where snapshots are staged before they are streamed; on the data disk so checkpoints can hard-link. */
    private final Path scratchDir;

    public MaintenanceService(RaftNode raft, Headers headers, long quotaBytes, Executor executor, Path scratchDir) {
        this.raft = raft;
        this.headers = headers;
        this.quotaBytes = quotaBytes;
        this.executor = executor;
        this.scratchDir = scratchDir;
    }

    /** A consistent copy of this member's database, in the file format {@code etcdctl snapshot save} accepts. */
    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
        SnapshotStreamer streamer = new SnapshotStreamer((ServerCallStreamObserver<SnapshotResponse>) out, executor);
        executor.execute(() -> {
            Path tmp = null;
            try {
                Files.createDirectories(scratchDir);
                tmp = Files.createTempDirectory(scratchDir, "snapshot-");
                Path checkpoint = tmp.resolve("checkpoint");
                raft.stateMachine().checkpoint(checkpoint);
                long rev = raft.stateMachine().read(kv -> kv.rev());
                Path body = tmp.resolve("body");
                SnapshotFile.writeBody(checkpoint, body);
                Dirs.deleteRecursively(checkpoint);
                streamer.send(body, tmp, headers.of(rev));
            } catch (IOException | RuntimeException e) {
                try {
                    if (tmp != null) {
                        Dirs.deleteRecursively(tmp);
                    }
                } catch (IOException ignored) {
                    // the failure below is what matters
                }
                GrpcErrors.fail(out, e);
            }
        });
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        long rev = raft.stateMachine().read(kv -> kv.rev());
        long leader = raft.leaderId();
        StatusResponse.Builder b = StatusResponse.newBuilder()
                .setHeader(headers.of(rev))
                .setVersion(API_VERSION)
                .setDbSize(raft.stateMachine().dbSizeBytes())
                .setDbSizeInUse(raft.stateMachine().dbSizeInUseBytes())
                .setDbSizeQuota(quotaBytes)
                .setLeader(leader)
                .setIsLearner(raft.isLearner())
                .setRaftIndex(raft.commitIndex())
                .setRaftTerm(raft.term())
                .setRaftAppliedIndex(raft.appliedIndex());
        b.addAllErrors(raft.stateMachine().alarms().describe());
        if (leader == 0) {
            b.addErrors(EtcdError.NO_LEADER.message());
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
        try {
            HashResult h = raft.stateMachine().read(kv -> kv.hash(request.getRevision()));
            out.onNext(HashKVResponse.newBuilder()
                    .setHeader(headers.of(raft.stateMachine().read(kv -> kv.rev())))
                    .setHash(h.hash())
                    .setCompactRevision(h.compactRev())
                    .setHashRevision(h.rev())
                    .build());
            out.onCompleted();
        } catch (MvccException e) {
            GrpcErrors.fail(out, translate(e));
        }
    }

    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> out) {
        try {
            HashResult h = raft.stateMachine().read(kv -> kv.hash(0));
            out.onNext(HashResponse.newBuilder().setHeader(headers.of(h.rev())).setHash(h.hash()).build());
            out.onCompleted();
        } catch (MvccException e) {
            GrpcErrors.fail(out, translate(e));
        }
    }

    /** GET lists the replicated alarms; ACTIVATE and DEACTIVATE go through Raft like any state change. */
    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
        if (request.getAction() == AlarmRequest.AlarmAction.GET) {
            out.onNext(AlarmResponse.newBuilder().setHeader(headers.of(raft.stateMachine().read(kv -> kv.rev())))
                    .addAllAlarms(raft.stateMachine().alarms().list(request.getMemberID(), request.getAlarm())).build());
            out.onCompleted();
            return;
        }
        Replicated.call(raft, RaftRequest.newBuilder().setAlarm(request).setCaller(Callers.caller()).build(), out, resp -> resp.getAlarm()
                .toBuilder().setHeader(headers.complete(resp.getAlarm().getHeader())).build());
    }

    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
        executor.execute(() -> {
            try {
                raft.stateMachine().defragment();
                out.onNext(DefragmentResponse.newBuilder()
                        .setHeader(headers.of(raft.stateMachine().read(kv -> kv.rev()))).build());
                out.onCompleted();
            } catch (RuntimeException e) {
                GrpcErrors.fail(out, e);
            }
        });
    }

    /** etcd's MoveLeader: only the leader hands over leadership, and only to a voter. */
    @Override
    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
        if (!raft.isLeader()) {
            GrpcErrors.fail(out, EtcdError.NOT_LEADER.exception());
            return;
        }
        raft.transferLeadership(request.getTargetID(), 10_000, executor).whenComplete((v, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, err);
            } else {
                out.onNext(MoveLeaderResponse.newBuilder()
                        .setHeader(headers.of(raft.stateMachine().read(kv -> kv.rev()))).build());
                out.onCompleted();
            }
        });
    }

    private static Throwable translate(MvccException e) {
        return (e instanceof dev.hawser.kvstore.mvcc.CompactedException ? EtcdError.COMPACTED : EtcdError.FUTURE_REV)
                .exception();
    }
}
