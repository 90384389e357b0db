package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.mvccpb.KeyValue;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leader loss under a steady stream of writes, and a member that falls so far behind that the
 * leader's log no longer holds what it missed. Each case starts its own cluster.
 */
class LeaderFailoverIT {
  private static final Duration ELECTION = Duration.ofSeconds(60);
  private StoreCluster cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void killedLeaderIsReplacedAndCatchesUpAfterRestartWithoutLosingAcknowledgedWrites() throws Exception {
    cluster = StoreCluster.of("LeaderFailoverIT-kill", 3).start().awaitHealthy(Duration.ofSeconds(90));
    StoreKv kv = new StoreKv(cluster);
    List<AckedWriter.Ack> acks;
    StoreNode oldLeader;
    try (AckedWriter writer = new AckedWriter(cluster, "/failover/").start()) {
      writer.awaitAcks(50, Duration.ofSeconds(60));

      oldLeader = cluster.leader();
      long oldTerm = cluster.status(oldLeader).getRaftTerm();
      oldLeader.kill9();

      cluster.awaitHealthy(ELECTION);
      StoreNode newLeader = cluster.leader();
      assertNotEquals(oldLeader, newLeader, "a surviving node leads");
      assertTrue(cluster.status(newLeader).getRaftTerm() > oldTerm, "the new leader has a higher term");

      int beforeRestart = writer.ackCount();
      writer.awaitAcks(beforeRestart + 50, ELECTION);

      oldLeader.start();
      cluster.awaitHealthy(ELECTION);
      int afterRestart = writer.ackCount();
      writer.awaitAcks(afterRestart + 50, ELECTION);
      acks = writer.stop();
    }

    assertRevisionsStrictlyIncrease(acks);
    long revision = cluster.awaitSameRevision(ELECTION);
    AckedWriter.Ack last = acks.get(acks.size() - 1);
    assertTrue(revision >= last.revision(), "every node is at or past the last acknowledged revision");

    RangeResponse lastOnRestarted = kv.range(oldLeader, RangeRequest.newBuilder()
        .setKey(StoreKv.bytes(last.key())).setSerializable(true).build());
    assertEquals(1, lastOnRestarted.getKvsCount(), "the restarted node has the last acknowledged write");
    assertEquals(last.value(), lastOnRestarted.getKvs(0).getValue().toStringUtf8());
    assertEquals(last.revision(), lastOnRestarted.getKvs(0).getModRevision());

    for (StoreNode node : cluster.nodes()) {
      assertEveryAckReadable(acks, kv.localPrefix(node, "/failover/"), node + " (serializable)");
    }
    assertEveryAckReadable(acks, kv.prefix(cluster.leader(), "/failover/"), "leader (linearizable)");
  }

  @Test
  void pausedLeaderIsReplacedAndRejoinsAsFollowerWithoutLosingAcknowledgedWrites() throws Exception {
    cluster = StoreCluster.of("LeaderFailoverIT-pause", 3).start().awaitHealthy(Duration.ofSeconds(90));
    StoreKv kv = new StoreKv(cluster);
    List<AckedWriter.Ack> acks;
    StoreNode oldLeader;
    try (AckedWriter writer = new AckedWriter(cluster, "/paused/").start()) {
      writer.awaitAcks(30, Duration.ofSeconds(60));

      // SIGSTOP: the leader neither crashes nor hears anything, like a partitioned or frozen host.
      oldLeader = cluster.leader();
      oldLeader.pause();
      cluster.awaitHealthy(ELECTION);
      assertNotEquals(oldLeader, cluster.leader(), "the two reachable nodes elect a new leader");
      writer.awaitAcks(writer.ackCount() + 30, ELECTION);

      oldLeader.resume();
      cluster.awaitHealthy(ELECTION);
      assertNotEquals(oldLeader, cluster.leader(), "the resumed old leader does not keep leading");
      writer.awaitAcks(writer.ackCount() + 30, ELECTION);
      acks = writer.stop();
    }

    assertRevisionsStrictlyIncrease(acks);
    cluster.awaitSameRevision(ELECTION);
    for (StoreNode node : cluster.nodes()) {
      assertEveryAckReadable(acks, kv.localPrefix(node, "/paused/"), node + " (serializable)");
    }
  }

  @Test
  void memberBehindAPurgedLogCatchesUpBySnapshot() throws Exception {
    cluster = StoreCluster.of("LeaderFailoverIT-snapshot", 3, "--snapshot-count", "100")
        .start().awaitHealthy(Duration.ofSeconds(90));
    StoreKv kv = new StoreKv(cluster);
    StoreNode leader = cluster.leader();
    StoreNode lagging = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    lagging.stop();
    cluster.awaitHealthy(ELECTION);

    // 1200 writes over 100 keys, ten snapshots' worth at --snapshot-count 100: the log the lagging
    // node would need is purged, so it can only catch up from a snapshot.
    Map<String, Long> lastRevision = new HashMap<>();
    StoreNode writeTo = cluster.leader();
    for (int i = 0; i < 1200; i++) {
      String key = "/snap/k" + (i % 100);
      long revision = kv.put(writeTo, key, Integer.toString(i)).getHeader().getRevision();
      lastRevision.put(key, revision);
    }

    lagging.start();
    cluster.awaitHealthy(ELECTION);
    long revision = cluster.awaitSameRevision(Duration.ofSeconds(120));
    assertTrue(revision >= lastRevision.values().stream().mapToLong(Long::longValue).max().orElseThrow());

    RangeResponse local = kv.localPrefix(lagging, "/snap/");
    assertEquals(100, local.getKvsCount(), "every key on the restarted node");
    for (KeyValue entry : local.getKvsList()) {
      String key = entry.getKey().toStringUtf8();
      assertEquals(lastRevision.get(key), entry.getModRevision(), key);
      assertEquals(12, entry.getVersion(), key + " was put 12 times");
    }
    assertEquals(kv.prefix(cluster.leader(), "/snap/").getKvsList(), local.getKvsList(),
        "the restarted node holds exactly the leader's data");

    long next = kv.put(lagging, "/snap/after", "x").getHeader().getRevision();
    assertEquals(revision + 1, next, "the caught-up member takes part in new writes");
  }

  private static void assertRevisionsStrictlyIncrease(List<AckedWriter.Ack> acks) {
    for (int i = 1; i < acks.size(); i++) {
      assertTrue(acks.get(i).revision() > acks.get(i - 1).revision(),
          "sequential acknowledged writes get increasing revisions: " + acks.get(i - 1) + " then " + acks.get(i));
    }
  }

  private static void assertEveryAckReadable(List<AckedWriter.Ack> acks, RangeResponse range, String where) {
    Map<String, KeyValue> stored = new HashMap<>();
    range.getKvsList().forEach(entry -> stored.put(entry.getKey().toStringUtf8(), entry));
    for (AckedWriter.Ack ack : acks) {
      KeyValue entry = stored.get(ack.key());
      assertTrue(entry != null, "acknowledged " + ack + " missing on " + where);
      assertEquals(ack.value(), entry.getValue().toStringUtf8(), ack + " on " + where);
      // Not equality: an attempt that timed out (say, on a frozen leader) may still be applied
      // after the retry was acknowledged. It writes the same value, at a later revision.
      assertTrue(entry.getModRevision() >= ack.revision() && entry.getCreateRevision() <= ack.revision(),
          ack + " on " + where + " has create/mod revision " + entry.getCreateRevision() + "/" + entry.getModRevision());
    }
  }
}
