package dev.hawser.kvstore.api;

import dev.hawser.kvstore.raft.MemberIds;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.etcdserverpb.ClusterGrpc;
import dev.hawser.proto.etcdserverpb.Member;
import dev.hawser.proto.etcdserverpb.MemberListRequest;
import dev.hawser.proto.etcdserverpb.MemberListResponse;
import dev.hawser.proto.raft.MemberAttributes;
import io.grpc.stub.StreamObserver;
import org.apache.ratis.protocol.RaftPeer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * etcd's Cluster service. Voting membership is Ratis' configuration; names and client
 * URLs come from the attributes each member published through the log. A member that
 * has not published yet shows with an empty name, as etcd shows an unstarted member.
 */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final RaftNode raft;
    private final Headers headers;
    private final String clusterToken;
    private final Map<String, List<String>> initialPeerUrls;

    public ClusterService(RaftNode raft, Headers headers, String clusterToken, Map<String, List<String>> initialPeerUrls) {
        this.raft = raft;
        this.headers = headers;
        this.clusterToken = clusterToken;
        this.initialPeerUrls = initialPeerUrls;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
        Map<Long, MemberAttributes> published = new HashMap<>();
        for (MemberAttributes m : raft.stateMachine().members()) {
            published.put(m.getMemberId(), m);
        }
        MemberListResponse.Builder resp = MemberListResponse.newBuilder()
                .setHeader(headers.of(raft.stateMachine().read(kv -> kv.rev())));
        for (RaftPeer peer : raft.group().getPeers()) {
            String name = peer.getId().toString();
            long id = MemberIds.memberId(clusterToken, name);
            Member.Builder m = Member.newBuilder().setID(id)
                    .addAllPeerURLs(initialPeerUrls.getOrDefault(name, List.of("http://" + peer.getAddress())));
            MemberAttributes attrs = published.get(id);
            if (attrs != null) {
                m.setName(attrs.getName()).addAllClientURLs(attrs.getClientUrlsList());
            }
            resp.addMembers(m);
        }
        out.onNext(resp.build());
        out.onCompleted();
    }
}
