package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.hawser.kvstore.pki.DevPki;
import dev.hawser.kvstore.raft.MemberIds;
import dev.hawser.kvstore.raft.PeerTls;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.etcdserverpb.ClusterGrpc;
import dev.hawser.proto.etcdserverpb.MemberAddRequest;
import dev.hawser.proto.etcdserverpb.StatusResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS between members (etcd's --peer-cert-file, --peer-key-file, --peer-trusted-ca-file,
 * --peer-client-cert-auth, --peer-cert-allowed-cn). Four members are configured; n1-n3 hold certificates
 * from the cluster's CA, n4 one from a foreign CA (and trusts the cluster's CA, so only the other members'
 * checks keep it out). Three of four is a quorum, so the cluster runs on n1-n3 while n4 takes no part.
 */
class PeerTlsIT {
  private static final Duration LONG = Duration.ofSeconds(60);
  private static final String CN = "member";

  @TempDir static Path pki;
  static StoreCluster cluster;
  static StoreKv kv;

  @BeforeAll
  static void start() throws Exception {
    DevPki ca = DevPki.create("peer-tls-it-ca");
    ca.writeCa(pki);
    ca.server(CN, List.of("127.0.0.1", "localhost")).write(pki, "member");
    ca.server("intruder", List.of("127.0.0.1", "localhost")).write(pki, "intruder");
    DevPki foreign = DevPki.create("someone-else");
    foreign.server(CN, List.of("127.0.0.1", "localhost")).write(pki, "foreign");
    Files.writeString(pki.resolve("foreign-ca.crt"), foreign.caPem());

    List<List<String>> args = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      args.add(peerFlags("member"));
    }
    args.add(peerFlags("foreign"));
    cluster = StoreCluster.of("PeerTlsIT", args).start();
    kv = new StoreKv(cluster);
    cluster.awaitCondition(LONG, "a leader among n1-n3 that both other good members know", () -> {
      long leader = cluster.status(cluster.node(0)).getLeader();
      return leader != 0
          && cluster.status(cluster.node(1)).getLeader() == leader
          && cluster.status(cluster.node(2)).getLeader() == leader;
    });
  }

  /** Peer TLS flags with {@code <name>.crt/.key}, trusting the cluster's CA and requiring CN {@value CN}. */
  private static List<String> peerFlags(String name) {
    return List.of(
        "--peer-cert-file", pki.resolve(name + ".crt").toString(),
        "--peer-key-file", pki.resolve(name + ".key").toString(),
        "--peer-trusted-ca-file", pki.resolve("ca.crt").toString(),
        "--peer-client-cert-auth", "--peer-cert-allowed-cn", CN,
        "--snapshot-count", "50");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static List<StoreNode> good() {
    return cluster.nodes().subList(0, 3);
  }

  private static StoreNode aFollower() throws InterruptedException {
    StoreNode leader = cluster.leader();
    return good().stream().filter(n -> n != leader).findFirst().orElseThrow();
  }

  @Test
  void membersWithPeerMutualTlsElectALeaderAndReplicate() throws Exception {
    StoreNode writer = aFollower(); // a follower forwards the write to the leader over peer TLS
    kv.put(writer, "/peer-tls/replicated", "v1");
    for (StoreNode other : good()) {
      if (other != writer) {
        cluster.awaitCondition(LONG, "the write on " + other, () -> {
          var local = kv.localPrefix(other, "/peer-tls/replicated");
          return local.getKvsCount() == 1 && local.getKvs(0).getValue().toStringUtf8().equals("v1");
        });
      }
    }
  }

  @Test
  void aMemberWithAForeignCaCertificateTakesNoPart() throws Exception {
    StoreNode outsider = cluster.node(3);
    kv.put(cluster.node(0), "/peer-tls/outsider", "v");
    for (StoreNode other : good()) {
      cluster.awaitCondition(LONG, "the write on " + other,
          () -> kv.localPrefix(other, "/peer-tls/outsider").getKvsCount() == 1);
    }
    StatusResponse status = cluster.status(outsider);
    assertEquals(0, status.getLeader(), "the foreign-CA member knows no leader");
    assertEquals(0, kv.localPrefix(outsider, "/peer-tls/").getKvsCount(), "and applied none of the writes");
    assertEquals(1, status.getHeader().getRevision());
  }

  @Test
  void plainTextAndUntrustedPeersAreRefusedAtTheRaftPort() throws Exception {
    assumeFalse(ServerCommand.isReferenceEtcd(), "speaks Ratis to the peer port");
    StoreNode target = cluster.node(0);
    // The member's certificate is accepted: the group and peer ids below are right, so each refusal is TLS's.
    assertEquals(RaftNode.groupIdOf(cluster.token()), groupInfo(target, tls("member")).getGroup().getGroupId());
    // (Ratis' blocking admin calls throw IOExceptions or gRPC's runtime UNAVAILABLE, depending on where they fail.)
    Exception plain = assertThrows(Exception.class, () -> groupInfo(target, null), "plain-text peer");
    Exception foreign = assertThrows(Exception.class, () -> groupInfo(target, tls("foreign")), "foreign CA");
    Exception wrongCn = assertThrows(Exception.class, () -> groupInfo(target, tls("intruder")), "CN intruder");
    System.out.println("refused: plain-text: " + plain + "; foreign CA: " + foreign + "; wrong CN: " + wrongCn);
  }

  @Test
  void aMemberJoinsOverTlsAndCatchesUpFromASnapshot() throws Exception {
    // 160 entries of 2 KiB at --snapshot-count 50: several snapshots and purged log segments, so the
    // new member can only catch up by a snapshot install (over the TLS connection the leader opens).
    String value = "x".repeat(2048);
    StoreNode leader = cluster.leader();
    for (int i = 0; i < 160; i++) {
      kv.put(leader, "/peer-tls/join/" + i, value + i);
    }
    StoreNode joiner = cluster.addNode("n5", peerFlags("member"));
    ClusterGrpc.newBlockingStub(cluster.channel(cluster.node(0))).withDeadlineAfter(10, TimeUnit.SECONDS)
        .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(joiner.peerUrl()).build());
    joiner.start();
    cluster.awaitCondition(Duration.ofSeconds(75), "n5 joined and caught up",
        () -> kv.localPrefix(joiner, "/peer-tls/join/").getKvsCount() == 160);
    assertEquals(value + 159, kv.localPrefix(joiner, "/peer-tls/join/159").getKvs(0).getValue().toStringUtf8());
    if (!ServerCommand.isReferenceEtcd()) {
      assertTrue(Files.readString(joiner.logFile()).contains("installed snapshot"), "caught up by snapshot install");
    }
    kv.put(joiner, "/peer-tls/from-n5", "v"); // and takes part in writes
    cluster.awaitCondition(LONG, "n5's write on n1", () -> kv.localPrefix(cluster.node(0), "/peer-tls/from-n5").getKvsCount() == 1);
  }

  private static Parameters tls(String name) {
    return new PeerTls(pki.resolve(name + ".crt"), pki.resolve(name + ".key"), pki.resolve("ca.crt"), false, null)
        .parameters();
  }

  /** GroupInfo from one member over its peer port, as another member's Raft client would ask it. */
  private static GroupInfoReply groupInfo(StoreNode node, Parameters transport) throws IOException {
    RaftGroupId group = RaftNode.groupIdOf(cluster.token());
    RaftPeerId id = MemberIds.peerId(MemberIds.memberId(node.peerUrl()));
    RaftPeer peer = RaftPeer.newBuilder().setId(id).setAddress(node.peerUrl().replaceFirst("^https?://", "")).build();
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(5, TimeUnit.SECONDS));
    RaftClient.Builder b = RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(RaftGroup.valueOf(group, peer))
        .setRetryPolicy(RetryPolicies.noRetry());
    if (transport != null) {
      b.setParameters(transport);
    }
    try (RaftClient client = b.build()) {
      return client.getGroupManagementApi(id).info(group);
    }
  }
}
