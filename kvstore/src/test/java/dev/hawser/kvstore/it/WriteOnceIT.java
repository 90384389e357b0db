package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A write is applied once, even when the leader freezes while it is in flight. A leader that logged a client's
 * entry and then stepped down does not know whether the next leader will commit it; sending it again would apply
 * it twice whenever that leader does. Every put here carries a value of its own and no client ever retries one,
 * so a value seen twice in a key's history is a write the cluster applied twice.
 */
class WriteOnceIT {
  private static final Duration ELECTION = Duration.ofSeconds(60);
  private static final String PREFIX = "/once/";
  private static final int WRITERS_PER_NODE = 4;
  private static final int ROUNDS = 3;

  @Test
  void writesInFlightWhenTheLeaderFreezesApplyOnce() throws Exception {
    try (StoreCluster cluster = StoreCluster.of("WriteOnceIT", 3)) {
      freezeTheLeaderUnderWritesAndCheckEveryValueAppliedOnce(cluster.start().awaitHealthy(Duration.ofSeconds(90)));
    }
  }

  private static void freezeTheLeaderUnderWritesAndCheckEveryValueAppliedOnce(StoreCluster cluster) throws Exception {
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> writers = new ArrayList<>();
    for (StoreNode node : cluster.nodes()) {
      for (int i = 0; i < WRITERS_PER_NODE; i++) {
        String key = PREFIX + node.name() + "-" + i;
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(cluster.channel(node));
        Thread t = new Thread(() -> {
          for (int n = 0; running.get(); n++) {
            String value = key + "#" + n;
            try {
              kv.withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                  .setKey(StoreKv.bytes(key)).setValue(StoreKv.bytes(value)).build());
              acknowledged.add(value);
            } catch (RuntimeException e) {
              // Outcome unknown (an election, a deadline): move on to a new value, never resend this one.
              sleep(20);
            }
          }
        }, "writer-" + key);
        t.setDaemon(true);
        writers.add(t);
        t.start();
      }
    }

    int moved = 0;
    try {
      for (int round = 0; round < ROUNDS; round++) {
        int before = acknowledged.size();
        cluster.awaitCondition(ELECTION, "100 more acknowledged writes", () -> acknowledged.size() >= before + 100);
        // SIGSTOP with writes in flight: the frozen leader has logged entries that the others may commit without
        // it; once resumed it learns of the new term and answers its pending writes "not leader".
        StoreNode leader = cluster.leader();
        leader.pause();
        try {
          cluster.awaitCondition(ELECTION, "a new leader", () -> !cluster.leader().equals(leader));
          moved++;
        } finally {
          leader.resume();
        }
        cluster.awaitHealthy(ELECTION);
      }
      int before = acknowledged.size();
      cluster.awaitCondition(ELECTION, "writes after the last election", () -> acknowledged.size() >= before + 100);
    } finally {
      running.set(false);
      for (Thread t : writers) {
        t.join(TimeUnit.SECONDS.toMillis(10));
      }
    }
    assertEquals(ROUNDS, moved, "elections");

    long revision = cluster.awaitSameRevision(ELECTION);
    Map<String, List<String>> history = putHistory(cluster, cluster.leader(), revision);
    List<String> twice = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    history.values().forEach(values -> values.forEach(v -> seen.merge(v, 1, Integer::sum)));
    seen.forEach((value, count) -> {
      if (count > 1) {
        twice.add(value + " x" + count);
      }
    });
    assertEquals(List.of(), twice, "values applied more than once");
    List<String> lost = acknowledged.stream().filter(v -> !seen.containsKey(v)).sorted().collect(Collectors.toList());
    assertEquals(List.of(), lost, "acknowledged writes missing from the history");
  }

  /** Every put under {@link #PREFIX} up to {@code revision}, per key, from a watch that starts at revision 1. */
  private static Map<String, List<String>> putHistory(StoreCluster cluster, StoreNode node, long revision)
      throws InterruptedException {
    Map<String, List<String>> history = new HashMap<>();
    try (WatchStream watch = new WatchStream(cluster.channel(node))) {
      watch.create(WatchStream.prefixWatch(PREFIX, 1));
      long last = 0;
      while (last < revision) {
        WatchResponse r = watch.next(Duration.ofSeconds(30));
        for (Event e : r.getEventsList()) {
          last = Math.max(last, e.getKv().getModRevision());
          if (e.getType() == Event.EventType.PUT) {
            history.computeIfAbsent(e.getKv().getKey().toStringUtf8(), k -> new ArrayList<>())
                .add(e.getKv().getValue().toStringUtf8());
          }
        }
        if (r.getEventsCount() == 0 && r.getHeader().getRevision() >= revision && !r.getCreated()) {
          break;
        }
      }
    }
    return history;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
