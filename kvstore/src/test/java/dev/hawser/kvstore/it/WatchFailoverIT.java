package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.CompactionRequest;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.etcdserverpb.WatchGrpc;
import dev.hawser.proto.etcdserverpb.WatchRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Watches across a leader crash (reliability.md §2: ordered, unique, reliable, atomic, resumable).
 *
 * <p>One watcher per node on a prefix, from a fixed start revision, over raw gRPC streams. A writer
 * does puts, deletes and 3-key txns through every endpoint, retrying elections' transient errors.
 * The leader is killed with SIGKILL mid-stream and later restarted; a watcher whose stream breaks
 * resumes from its last seen revision + 1 on the next running node, as clients do. Afterwards every
 * watcher's event list must be exactly the committed history (read back by fresh watches on every
 * node, and checked against the acknowledged writes and the final key-value state).
 *
 * <p>One cluster for the class; the compaction test runs last because it compacts the history.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchFailoverIT {
  private static final String PREFIX = "/wf/";
  private static final Duration LONG = Duration.ofSeconds(90);
  private static StoreCluster cluster;
  private static ScheduledExecutorService resumer;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = StoreCluster.of("WatchFailoverIT", 3).start().awaitHealthy(LONG);
    resumer = Executors.newSingleThreadScheduledExecutor();
    new StoreKv(cluster).put(cluster.leader(), "/warmup", "1");
  }

  @AfterAll
  static void stopCluster() {
    if (resumer != null) {
      resumer.shutdownNow();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void watchersSeeTheWholeHistoryInOrderAcrossALeaderCrashAndResume() throws Exception {
    StoreKv kv = new StoreKv(cluster);
    long startRev = kv.get(cluster.leader(), "/warmup").getHeader().getRevision() + 1;

    List<ResumingWatcher> watchers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      watchers.add(new ResumingWatcher("w" + (i + 1), i, startRev));
    }
    for (ResumingWatcher w : watchers) {
      w.awaitCreated(Duration.ofSeconds(30));
    }

    HistoryWriter writer = new HistoryWriter();
    writer.start();
    StoreNode killed;
    try {
      writer.awaitAcks(150, LONG);
      killed = cluster.leader();
      killed.kill9();
      writer.awaitAcks(writer.ackCount() + 150, LONG);
      killed.start();
      cluster.awaitHealthy(LONG);
      writer.awaitAcks(writer.ackCount() + 150, LONG);
    } finally {
      writer.stop();
    }
    writer.rethrow();
    List<Ack> acks = writer.acks();
    long lastAcked = acks.get(acks.size() - 1).revision;
    long finalRev = cluster.awaitSameRevision(LONG);
    assertTrue(finalRev >= lastAcked, "final revision " + finalRev + " >= last ack " + lastAcked);

    // The committed history, read back on every node by a fresh watch; the nodes must agree.
    List<Event> history = null;
    for (StoreNode node : cluster.nodes()) {
      List<Event> seen = readHistory(node, startRev, finalRev);
      if (history == null) {
        history = seen;
      } else {
        assertEventsEqual(history, seen, "history read on " + node + " vs " + cluster.node(0));
      }
    }
    Map<Long, List<Event>> byRevision = byRevision(history);
    for (long rev = startRev; rev <= finalRev; rev++) {
      assertTrue(byRevision.containsKey(rev), "revision " + rev + " (only this prefix is written) has no event");
    }
    checkAcksAgainstHistory(acks, byRevision);
    checkStateMatchesHistory(kv, history, finalRev);

    // Every watcher: exactly that history, whole revisions per response, strictly ordered.
    int watchersThatResumed = 0;
    for (ResumingWatcher w : watchers) {
      w.awaitRevision(finalRev, LONG);
      w.close();
      assertTrue(w.violations.isEmpty(), w.name + " violations: " + w.violations);
      assertEventsEqual(history, w.events(), w.name + " (resumed " + w.resumes + " times, streams: " + w.streamLog + ")");
      for (WatchResponse r : w.responses) {
        for (Event e : r.getEventsList()) {
          long rev = e.getKv().getModRevision();
          long inResponse = r.getEventsList().stream().filter(x -> x.getKv().getModRevision() == rev).count();
          assertEquals(byRevision.get(rev).size(), inResponse,
              w.name + ": revision " + rev + " split across responses (atomic): " + r);
        }
      }
      if (w.resumes > 0) {
        watchersThatResumed++;
      }
    }
    assertTrue(watchersThatResumed >= 1,
        "the watcher on the killed leader " + killed + " had to resume; streams: "
            + watchers.stream().map(w -> w.name + "=" + w.streamLog).toList());
  }

  @Test
  @Order(2)
  void watchFromBelowTheCompactionRevisionIsCreatedThenCanceledWithCompactRevision() throws Exception {
    StoreKv kv = new StoreKv(cluster);
    StoreNode leader = cluster.leader();
    long first = kv.put(leader, "/compact/a", "1").getHeader().getRevision();
    kv.put(leader, "/compact/a", "2");
    long compactAt = kv.put(leader, "/compact/a", "3").getHeader().getRevision();
    kv.put(leader, "/compact/a", "4");
    Retry.onTransient(LONG, () -> KVGrpc.newBlockingStub(cluster.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .compact(CompactionRequest.newBuilder().setRevision(compactAt).setPhysical(true).build()));
    cluster.awaitSameRevision(LONG);
    // A compaction does not move the revision: wait until every member applied it, as a client would see it.
    for (StoreNode node : cluster.nodes()) {
      cluster.awaitCondition(LONG, node + " to apply the compaction", () -> {
        try {
          KVGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(5, TimeUnit.SECONDS).range(RangeRequest
              .newBuilder().setKey(ByteString.copyFromUtf8("/compact/a")).setRevision(first).setSerializable(true).build());
          return false;
        } catch (io.grpc.StatusRuntimeException e) {
          return e.getStatus().getCode() == io.grpc.Status.Code.OUT_OF_RANGE;
        }
      });
    }

    for (StoreNode node : cluster.nodes()) {
      try (WatchStream stream = new WatchStream(cluster.channel(node))) {
        stream.create(WatchStream.prefixWatch("/compact/", first).setWatchId(7));
        WatchResponse created = stream.next(Duration.ofSeconds(20));
        assertTrue(created.getCreated(), node + ": first response is the creation: " + created);
        assertEquals(7, created.getWatchId(), node + ": " + created);
        assertEquals(0, created.getEventsCount(), node + ": " + created);
        WatchResponse canceled = stream.next(Duration.ofSeconds(20));
        assertTrue(canceled.getCanceled(), node + ": then canceled: " + canceled);
        assertEquals(7, canceled.getWatchId(), node + ": " + canceled);
        assertEquals(compactAt, canceled.getCompactRevision(), node + ": compact_revision: " + canceled);
        assertEquals(0, canceled.getEventsCount(), node + ": no events: " + canceled);

        // Equal to the compaction revision is still in the window: it replays from there.
        stream.create(WatchStream.prefixWatch("/compact/", compactAt).setWatchId(8));
        WatchResponse again = stream.next(Duration.ofSeconds(20));
        assertTrue(again.getCreated() && !again.getCanceled(), node + ": " + again);
        WatchResponse events = stream.next(Duration.ofSeconds(20));
        assertEquals(8, events.getWatchId(), node + ": " + events);
        assertEquals(List.of("3", "4"), events.getEventsList().stream().map(e -> e.getKv().getValue().toStringUtf8()).toList(),
            node + ": replay from the compaction revision: " + events);
      }
    }
  }

  // ---- the history ----

  /** Every event on the prefix from {@code fromRev} to {@code toRev}, by a fresh watch on one node. */
  private static List<Event> readHistory(StoreNode node, long fromRev, long toRev) throws Exception {
    List<Event> events = new ArrayList<>();
    try (WatchStream stream = new WatchStream(cluster.channel(node))) {
      stream.create(WatchStream.prefixWatch(PREFIX, fromRev));
      WatchResponse created = stream.next(Duration.ofSeconds(20));
      assertTrue(created.getCreated() && !created.getCanceled(), node + ": " + created);
      long last = 0;
      while (last < toRev) {
        WatchResponse r = stream.next(Duration.ofSeconds(30));
        assertTrue(!r.getCanceled(), node + ": history watch canceled: " + r);
        events.addAll(r.getEventsList());
        if (r.getEventsCount() > 0) {
          last = r.getEvents(r.getEventsCount() - 1).getKv().getModRevision();
        }
      }
    }
    return events;
  }

  private static Map<Long, List<Event>> byRevision(List<Event> events) {
    Map<Long, List<Event>> out = new TreeMap<>();
    for (Event e : events) {
      out.computeIfAbsent(e.getKv().getModRevision(), r -> new ArrayList<>()).add(e);
    }
    return out;
  }

  private static void checkAcksAgainstHistory(List<Ack> acks, Map<Long, List<Event>> history) {
    for (Ack ack : acks) {
      List<Event> at = history.getOrDefault(ack.revision, List.of());
      switch (ack.kind) {
        case PUT, TXN -> {
          for (int i = 0; i < ack.keys.size(); i++) {
            String key = ack.keys.get(i);
            boolean found = at.stream().anyMatch(e -> e.getType() == Event.EventType.PUT
                && e.getKv().getKey().toStringUtf8().equals(key) && e.getKv().getValue().toStringUtf8().equals(ack.value));
            assertTrue(found, "acknowledged " + ack + " is not in the history at its revision: " + at);
          }
          assertEquals(ack.keys.size(), at.size(), "revision " + ack.revision + " holds exactly " + ack + ": " + at);
        }
        case DELETE -> {
          String key = ack.keys.get(0);
          if (ack.deleted > 0) {
            assertTrue(at.size() == 1 && at.get(0).getType() == Event.EventType.DELETE
                && at.get(0).getKv().getKey().toStringUtf8().equals(key), "acknowledged " + ack + " vs history " + at);
          } else {
            // An earlier attempt that failed transiently was applied: its DELETE comes earlier.
            boolean earlier = history.entrySet().stream().filter(en -> en.getKey() <= ack.revision)
                .flatMap(en -> en.getValue().stream())
                .anyMatch(e -> e.getType() == Event.EventType.DELETE && e.getKv().getKey().toStringUtf8().equals(key));
            assertTrue(earlier, "acknowledged no-op " + ack + " but no earlier DELETE of the key in the history");
          }
        }
        default -> fail("unknown " + ack);
      }
    }
  }

  /** Replaying the history from an empty prefix gives exactly what a linearizable Range returns. */
  private static void checkStateMatchesHistory(StoreKv kv, List<Event> history, long finalRev) throws Exception {
    Map<String, KeyValue> replayed = new TreeMap<>();
    for (Event e : history) {
      if (e.getType() == Event.EventType.PUT) {
        replayed.put(e.getKv().getKey().toStringUtf8(), e.getKv());
      } else {
        replayed.remove(e.getKv().getKey().toStringUtf8());
        assertEquals(KeyValue.newBuilder().setKey(e.getKv().getKey()).setModRevision(e.getKv().getModRevision()).build(),
            e.getKv(), "a DELETE event's kv holds only key and mod_revision");
      }
    }
    for (StoreNode node : cluster.nodes()) {
      RangeResponse range = kv.range(node, StoreKv.prefixRequest(PREFIX).setRevision(finalRev).build());
      Map<String, KeyValue> stored = new TreeMap<>();
      range.getKvsList().forEach(x -> stored.put(x.getKey().toStringUtf8(), x));
      assertEquals(replayed, stored, node + ": the prefix at revision " + finalRev + " vs the watched history replayed");
    }
  }

  private static void assertEventsEqual(List<Event> expected, List<Event> actual, String what) {
    int n = Math.min(expected.size(), actual.size());
    for (int i = 0; i < n; i++) {
      if (!expected.get(i).equals(actual.get(i))) {
        fail(what + ": event #" + i + " differs\nexpected: " + brief(expected, i) + "\nactual:   " + brief(actual, i));
      }
    }
    if (expected.size() != actual.size()) {
      fail(what + ": " + actual.size() + " events, expected " + expected.size() + "; first extra/missing: "
          + (actual.size() > n ? brief(actual, n) : brief(expected, n)));
    }
  }

  private static String brief(List<Event> events, int at) {
    StringBuilder s = new StringBuilder();
    for (int i = Math.max(0, at - 2); i < Math.min(events.size(), at + 3); i++) {
      Event e = events.get(i);
      s.append(i == at ? " >>" : " ").append(e.getType()).append(' ').append(e.getKv().getKey().toStringUtf8())
          .append('@').append(e.getKv().getModRevision()).append(i == at ? "<<" : "");
    }
    return s.toString();
  }

  // ---- the writer ----

  enum Kind { PUT, DELETE, TXN }

  record Ack(Kind kind, List<String> keys, String value, long revision, long deleted) {}

  /** Sequential writes through every endpoint in turn, retrying transient errors on the next one. */
  private static final class HistoryWriter {
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread = new Thread(this::run, "history-writer");
    private volatile boolean running = true;

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    int ackCount() {
      return acks.size();
    }

    List<Ack> acks() {
      return new ArrayList<>(acks);
    }

    void awaitAcks(int count, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (acks.size() < count) {
        if (failure.get() != null) {
          throw new AssertionError("writer failed after " + acks.size() + " acks", failure.get());
        }
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError("only " + acks.size() + " of " + count + " writes acknowledged\n" + cluster.logTails());
        }
        Thread.sleep(50);
      }
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(60_000);
    }

    void rethrow() {
      if (failure.get() != null) {
        throw new AssertionError("writer failed after " + acks.size() + " acks", failure.get());
      }
    }

    private void run() {
      int endpoint = 0;
      try {
        for (int n = 0; running; n++) {
          String value = "v" + n;
          Kind kind = n % 5 == 4 ? Kind.TXN : n % 5 == 2 ? Kind.DELETE : Kind.PUT;
          List<String> keys = switch (kind) {
            case PUT -> List.of(PREFIX + "k" + n);
            case DELETE -> List.of(PREFIX + "k" + (n - 1));
            case TXN -> List.of(PREFIX + "t" + n + "/a", PREFIX + "t" + n + "/b", PREFIX + "t" + n + "/c");
          };
          while (running) {
            StoreNode node = cluster.node(endpoint);
            try {
              cluster.channel(node).resetConnectBackoff();
              KVGrpc.KVBlockingStub stub = KVGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(5, TimeUnit.SECONDS);
              Ack ack = switch (kind) {
                case PUT -> new Ack(kind, keys, value, stub.put(put(keys.get(0), value)).getHeader().getRevision(), 0);
                case DELETE -> {
                  var d = stub.deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(keys.get(0))).build());
                  yield new Ack(kind, keys, null, d.getHeader().getRevision(), d.getDeleted());
                }
                case TXN -> {
                  TxnRequest.Builder txn = TxnRequest.newBuilder();
                  keys.forEach(k -> txn.addSuccess(RequestOp.newBuilder().setRequestPut(put(k, value))));
                  yield new Ack(kind, keys, value, stub.txn(txn.build()).getHeader().getRevision(), 0);
                }
              };
              acks.add(ack);
              break;
            } catch (RuntimeException e) {
              if (!Retry.isTransient(e)) {
                throw e;
              }
              endpoint = (endpoint + 1) % cluster.nodes().size();
              Thread.sleep(20);
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Throwable t) {
        failure.set(t);
      }
    }

    private static PutRequest put(String key, String value) {
      return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
    }
  }

  // ---- a watcher that resumes like a client ----

  /**
   * A prefix watch that, when its stream breaks, reopens on the next running node from the last
   * revision it saw + 1. Checks per response: the creation comes first, no cancel, events ordered
   * within the response, and the first event of a response is above everything seen before.
   */
  private static final class ResumingWatcher {
    final String name;
    final List<WatchResponse> responses = new CopyOnWriteArrayList<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    final List<String> streamLog = new CopyOnWriteArrayList<>();
    volatile int resumes;
    private final long startRev;
    private volatile long lastRev;
    private volatile boolean created;
    private volatile boolean closed;
    private int nodeIndex;
    private StreamObserver<WatchRequest> requests;

    ResumingWatcher(String name, int nodeIndex, long startRev) {
      this.name = name;
      this.nodeIndex = nodeIndex;
      this.startRev = startRev;
      this.lastRev = startRev - 1;
      open();
    }

    List<Event> events() {
      List<Event> out = new ArrayList<>();
      responses.forEach(r -> out.addAll(r.getEventsList()));
      return out;
    }

    void awaitCreated(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!created) {
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError(name + " not created; streams " + streamLog);
        }
        Thread.sleep(20);
      }
    }

    void awaitRevision(long rev, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (lastRev < rev) {
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError(name + " saw up to revision " + lastRev + ", expected " + rev
              + "; streams " + streamLog + "; violations " + violations);
        }
        Thread.sleep(50);
      }
    }

    synchronized void close() {
      closed = true;
      if (requests != null) {
        try {
          requests.onCompleted();
        } catch (RuntimeException ignored) {
          // gone already
        }
      }
    }

    private synchronized void open() {
      if (closed) {
        return;
      }
      StoreNode node = cluster.node(nodeIndex);
      long from = lastRev + 1;
      streamLog.add(node.name() + "@" + from);
      created = false;
      cluster.channel(node).resetConnectBackoff();
      Object generation = new Object();
      current = generation;
      requests = WatchGrpc.newStub(cluster.channel(node)).watch(new StreamObserver<>() {
        @Override
        public void onNext(WatchResponse r) {
          if (current == generation) {
            accept(r);
          }
        }

        @Override
        public void onError(Throwable t) {
          broken(generation, t);
        }

        @Override
        public void onCompleted() {
          broken(generation, null);
        }
      });
      requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchStream.prefixWatch(PREFIX, from)).build());
    }

    private volatile Object current;

    private synchronized void accept(WatchResponse r) {
      if (r.getCreated()) {
        if (created) {
          violations.add("second created response " + r);
        }
        created = true;
        if (r.getCanceled() || r.getEventsCount() > 0) {
          violations.add("creation canceled or with events: " + r);
        }
        return;
      }
      if (!created) {
        violations.add("response before the creation: " + r);
      }
      if (r.getCanceled()) {
        violations.add("canceled: " + r);
        return;
      }
      if (r.getEventsCount() == 0) {
        return; // progress; none requested, but harmless
      }
      long first = r.getEvents(0).getKv().getModRevision();
      if (first <= lastRev) {
        violations.add("response starts at revision " + first + " but " + lastRev + " was already seen (order/unique): " + r);
      }
      long prev = first;
      for (Event e : r.getEventsList()) {
        long rev = e.getKv().getModRevision();
        if (rev < prev) {
          violations.add("events out of order inside a response: " + r);
        }
        prev = rev;
      }
      responses.add(r);
      lastRev = Math.max(lastRev, prev);
    }

    private void broken(Object generation, Throwable t) {
      synchronized (this) {
        if (closed || current != generation) {
          return;
        }
        current = null;
        streamLog.add("broken(" + (t == null ? "completed" : io.grpc.Status.fromThrowable(t).getCode()) + ")");
        resumes++;
        nodeIndex = (nodeIndex + 1) % cluster.nodes().size();
      }
      resumer.schedule(this::open, 200, TimeUnit.MILLISECONDS);
    }
  }
}
