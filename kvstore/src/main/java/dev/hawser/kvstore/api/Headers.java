package dev.hawser.kvstore.api;

import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.etcdserverpb.ResponseHeader;

/** Fills the four header fields every etcd response carries; etcdctl reads member_id and raft_term. */
public final class Headers {
    private final long clusterId;
    private final long memberId;
    private final RaftNode raft;

    public Headers(long clusterId, long memberId, RaftNode raft) {
        this.clusterId = clusterId;
        this.memberId = memberId;
        this.raft = raft;
    }

    public ResponseHeader of(long revision) {
        return ResponseHeader.newBuilder()
                .setClusterId(clusterId)
                .setMemberId(memberId)
                .setRevision(revision)
                .setRaftTerm(raft.term())
                .build();
    }

    /** Completes a header whose revision was set where the request was evaluated. */
    public ResponseHeader complete(ResponseHeader partial) {
        return of(partial.getRevision());
    }

    public long clusterId() {
        return clusterId;
    }

    public long memberId() {
        return memberId;
    }
}
