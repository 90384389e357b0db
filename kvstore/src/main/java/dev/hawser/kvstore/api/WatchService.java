package dev.hawser.kvstore.api;

import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.kvstore.watch.WatchHub;
import dev.hawser.proto.etcdserverpb.WatchGrpc;
import dev.hawser.proto.etcdserverpb.WatchRequest;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * etcd's Watch service: one {@link WatchSession} per client stream, all fed by the
 * member's {@link WatchHub}. Followers serve watches too, from their own applied log.
 */
public final class WatchService implements BindableService {
    private final RaftNode raft;
    private final Headers headers;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final WatchLimits settings;
    private final Set<WatchSession> sessions = ConcurrentHashMap.newKeySet();

    private final Authorizer authorizer;

    public WatchService(RaftNode raft, Headers headers, Executor executor, ScheduledExecutorService timer,
                        WatchLimits settings, Authorizer authorizer) {
        this.raft = raft;
        this.authorizer = authorizer;
        this.headers = headers;
        this.executor = executor;
        this.timer = timer;
        this.settings = settings;
        long every = settings.progressNotifyIntervalMs();
        timer.scheduleWithFixedDelay(() -> sessions.forEach(WatchSession::progressTick), every, every, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::checkLeader, LEADER_CHECK_MS, LEADER_CHECK_MS, TimeUnit.MILLISECONDS);
    }

    /** How often streams that asked for a leader (hasleader=true) are checked, and how long they tolerate none. */
    private static final long LEADER_CHECK_MS = 1000;
    private static final long NO_LEADER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(3);
    private long leaderLostAt;

    /** Like etcd's monitorLeader: a stream that needs a leader is closed with "no leader" once it has none for a while. */
    private void checkLeader() {
        if (raft.hasLeader()) {
            leaderLostAt = 0;
            return;
        }
        long now = System.nanoTime();
        if (leaderLostAt == 0) {
            leaderLostAt = now;
        } else if (now - leaderLostAt > NO_LEADER_GRACE_NANOS) {
            sessions.forEach(WatchSession::failIfLeaderRequired);
        }
    }

    /**
     * etcd's Watch method, whose responses leave already encoded (see {@link WatchMessage}): same name, same
     * request type, same bytes on the wire as the generated binding.
     */
    @Override
    public ServerServiceDefinition bindService() {
        MethodDescriptor<WatchRequest, WatchMessage> method = WatchGrpc.getWatchMethod()
                .toBuilder(ProtoUtils.marshaller(WatchRequest.getDefaultInstance()), WatchMessage.MARSHALLER)
                .build();
        return ServerServiceDefinition.builder(WatchGrpc.SERVICE_NAME)
                .addMethod(method, ServerCalls.asyncBidiStreamingCall(this::watch))
                .build();
    }

    private StreamObserver<WatchRequest> watch(StreamObserver<WatchMessage> out) {
        ServerCallStreamObserver<WatchMessage> call = (ServerCallStreamObserver<WatchMessage>) out;
        if (RequestMetadata.requiresLeader() && !raft.hasLeader()) {
            out.onError(GrpcErrors.of(EtcdError.NO_LEADER));
            return new StreamObserver<>() {
                @Override
                public void onNext(WatchRequest value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
        WatchHub hub = raft.stateMachine().watchHub();
        Callers.Identity caller = Callers.current();
        WatchSession s = new WatchSession(call, hub, raft.stateMachine(), headers, executor, timer, settings, sessions::remove,
                RequestMetadata.requiresLeader(), (key, end) -> {
                    if (caller.refused() != null) {
                        throw caller.refused();
                    }
                    authorizer.checkWatch(caller.user(), key, end);
                });
        sessions.add(s);
        return s;
    }
}
