package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hawser.proto.etcdserverpb.PutResponse;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.mvccpb.KeyValue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every member SIGKILLed at once: acknowledged writes are durable and revisions continue. */
class FullRestartIT {
  private StoreCluster cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void acknowledgedWritesSurviveKillingEveryNodeAndRevisionsContinue() throws Exception {
    cluster = StoreCluster.of("FullRestartIT", 3).start().awaitHealthy(Duration.ofSeconds(90));
    StoreKv kv = new StoreKv(cluster);
    Map<String, Long> revisions = new LinkedHashMap<>();
    long lastRevision = 0;
    for (int i = 0; i < 60; i++) {
      StoreNode node = cluster.node(i % 3);
      String key = "/restart/k" + (i % 20);
      PutResponse put = kv.put(node, key, "v" + i);
      lastRevision = put.getHeader().getRevision();
      revisions.put(key, lastRevision);
    }
    Map<String, KeyValue> before = byKey(kv.prefix(cluster.node(0), "/restart/"));

    cluster.nodes().forEach(StoreNode::kill9);
    cluster.start().awaitHealthy(Duration.ofSeconds(90));

    for (StoreNode node : cluster.nodes()) {
      RangeResponse after = kv.prefix(node, "/restart/");
      assertEquals(lastRevision, after.getHeader().getRevision(),
          node + ": the store revision after restart is the last acknowledged one");
      assertEquals(before, byKey(after), node + ": every key with the same value, revisions and version");
    }
    revisions.forEach((key, revision) -> assertEquals(revision, before.get(key).getModRevision(), key));

    PutResponse next = kv.put(cluster.leader(), "/restart/next", "x");
    assertEquals(lastRevision + 1, next.getHeader().getRevision(), "the next write gets the next revision");
  }

  private static Map<String, KeyValue> byKey(RangeResponse range) {
    Map<String, KeyValue> map = new LinkedHashMap<>();
    range.getKvsList().forEach(entry -> map.put(entry.getKey().toStringUtf8(), entry));
    return map;
  }
}
