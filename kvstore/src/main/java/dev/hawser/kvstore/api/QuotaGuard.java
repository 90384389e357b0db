package dev.hawser.kvstore.api;

import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.etcdserverpb.AlarmRequest;
import dev.hawser.proto.etcdserverpb.AlarmType;
import dev.hawser.proto.raft.RaftRequest;

/**
 * etcd's --quota-backend-bytes, checked before a request that grows the database is
 * replicated. Past the quota this member raises the NOSPACE alarm through Raft; from then
 * on every member refuses such requests until an operator frees space and disarms it.
 */
final class QuotaGuard {
    /** The database size is read at most this often: it is a few RocksDB property reads. */
    private static final long SIZE_REFRESH_NANOS = 100_000_000L;

    private final RaftNode raft;
    private final long memberId;
    private final long quotaBytes;
    private volatile long cachedSize;
    private volatile long cachedAt;

    QuotaGuard(RaftNode raft, long memberId, long quotaBytes) {
        this.raft = raft;
        this.memberId = memberId;
        this.quotaBytes = quotaBytes;
    }

    void check(long requestBytes) throws EtcdException {
        if (raft.stateMachine().alarms().noSpace()) {
            throw EtcdError.NO_SPACE.exception();
        }
        if (quotaBytes > 0 && dbSize() + requestBytes >= quotaBytes) {
            raft.propose(RaftRequest.newBuilder().setAlarm(AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(memberId).setAlarm(AlarmType.NOSPACE))
                    .build());
            throw EtcdError.NO_SPACE.exception();
        }
    }

    private long dbSize() {
        long now = System.nanoTime();
        if (now - cachedAt > SIZE_REFRESH_NANOS) {
            cachedSize = raft.stateMachine().dbSizeBytes();
            cachedAt = now;
        }
        return cachedSize;
    }
}
