package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.WatchGrpc;
import dev.hawser.proto.etcdserverpb.WatchRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many watchers on one member, and one client that stops reading (reliability.md §2: no loss, order
 * kept; etcd-api.md: "the same happens to a slow watcher passed by a compaction").
 *
 * <p>One single-node cluster: the subject is one member's fan-out, and it keeps the test light.
 * Each test writes its own prefix with one sequential writer, so key {@code <prefix>k<n>} = n is the
 * n-th event every watcher must see: a gap, repeat or reordering shows as n not being the previous
 * n + 1. Watchers are checked on the fly, so the client keeps O(watchers) memory.
 */
class WatchFanOutIT {
  private static final Duration LONG = Duration.ofSeconds(120);
  private static final Pattern HEAP = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$");
  private static StoreCluster cluster;
  private static StoreNode node;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = StoreCluster.of("WatchFanOutIT", 1).start().awaitHealthy(LONG);
    node = cluster.node(0);
    new StoreKv(cluster).put(node, "/warmup", "1");
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void thousandWatchersOnFourStreamsGetEveryEventInOrderWhileWritesContinue() throws Exception {
    int streams = 4;
    int perStream = 250;
    int puts = 2000;
    String prefix = "/fan/";
    long base = new StoreKv(cluster).get(node, "/warmup").getHeader().getRevision();

    Writer writer = new Writer(prefix, puts, 0).start();
    writer.awaitAcks(200, LONG); // the watchers start in the past and catch up while writes go on
    List<CheckingStream> all = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      CheckingStream stream = new CheckingStream("stream" + s, cluster.channel(node));
      for (int i = 0; i < perStream; i++) {
        stream.create(WatchStream.prefixWatch(prefix, base + 1));
      }
      all.add(stream);
    }
    writer.join();
    for (CheckingStream s : all) {
      s.awaitAll(perStream, puts, LONG);
    }
    for (CheckingStream s : all) {
      assertTrue(s.violations.isEmpty(), s.name + ": " + s.violations.subList(0, Math.min(5, s.violations.size())));
      s.close();
    }
    assertFalse(node.exitedUnexpectedly(), "the member survived");
  }

  /**
   * Watchers on one stream share one encoding of a revision's events only when they want exactly the same
   * thing: a filter, a narrower range or prev_kv must still give each its own events, and a revision too large
   * for one message is still fragmented for the watcher that asked for it.
   */
  @Test
  void watchersSharingAStreamEachGetTheirOwnEventsPrevKvAndFragments() throws Exception {
    BlockingQueue<WatchResponse> inbox = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(cluster.channel(node)).watch(new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse r) {
        inbox.add(r);
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onCompleted() {
      }
    });
    String small = "/mix/small/";
    String big = "/mix/big/";
    requests.onNext(create(WatchStream.prefixWatch(small, 0).setWatchId(10)));
    requests.onNext(create(WatchStream.prefixWatch(small, 0).setWatchId(11).setPrevKv(true)));
    requests.onNext(create(WatchStream.prefixWatch(small, 0).setWatchId(12)
        .addFilters(dev.hawser.proto.etcdserverpb.WatchCreateRequest.FilterType.NOPUT)));
    requests.onNext(create(dev.hawser.proto.etcdserverpb.WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(small + "b")).setWatchId(13)));
    requests.onNext(create(WatchStream.prefixWatch(big, 0).setWatchId(14).setPrevKv(true).setFragment(true)));
    for (int i = 0; i < 5; i++) {
      WatchResponse created = inbox.poll(30, TimeUnit.SECONDS);
      assertTrue(created != null && created.getCreated() && !created.getCanceled(), "created: " + created);
    }

    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(cluster.channel(node));
    kv.put(put(small + "a", ByteString.copyFromUtf8("1")));
    kv.put(put(small + "b", ByteString.copyFromUtf8("1")));
    kv.txn(dev.hawser.proto.etcdserverpb.TxnRequest.newBuilder()
        .addSuccess(op(put(small + "a", ByteString.copyFromUtf8("2"))))
        .addSuccess(dev.hawser.proto.etcdserverpb.RequestOp.newBuilder().setRequestDeleteRange(
            dev.hawser.proto.etcdserverpb.DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(small + "b"))))
        .addSuccess(op(put(small + "c", ByteString.copyFromUtf8("1"))))
        .build());
    // Two values that fit in a request together, but not in one response once each carries its previous version.
    int size = 700 * 1024;
    kv.put(put(big + "x", filled(size, 'x')));
    kv.put(put(big + "y", filled(size, 'y')));
    kv.txn(dev.hawser.proto.etcdserverpb.TxnRequest.newBuilder()
        .addSuccess(op(put(big + "x", filled(size, 'X'))))
        .addSuccess(op(put(big + "y", filled(size, 'Y'))))
        .build());

    Map<Long, List<WatchResponse>> byWatcher = new ConcurrentHashMap<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int expected = 3 + 3 + 1 + 2 + 4; // responses of watchers 10, 11, 12, 13 and 14 (two of 14's are fragments)
    for (int got = 0; got < expected && System.nanoTime() < deadline; ) {
      WatchResponse r = inbox.poll(1, TimeUnit.SECONDS);
      if (r != null) {
        byWatcher.computeIfAbsent(r.getWatchId(), id -> new ArrayList<>()).add(r);
        got++;
      }
    }
    assertEquals(List.of("PUT a=1", "PUT b=1", "PUT a=2 DELETE b PUT c=1"), describe(byWatcher.get(10L), small, false));
    assertEquals(List.of("PUT a=1 prev-", "PUT b=1 prev-", "PUT a=2 prev=1 DELETE b prev=1 PUT c=1 prev-"),
        describe(byWatcher.get(11L), small, true));
    assertEquals(List.of("DELETE b"), describe(byWatcher.get(12L), small, false));
    assertEquals(List.of("PUT b=1", "DELETE b"), describe(byWatcher.get(13L), small, false));

    List<WatchResponse> fragmented = byWatcher.get(14L);
    assertEquals(4, fragmented.size(), "x, y, then the txn in two fragments");
    assertEquals(List.of(false, false, true, false), fragmented.stream().map(WatchResponse::getFragment).toList());
    WatchResponse first = fragmented.get(2);
    WatchResponse last = fragmented.get(3);
    assertEquals(first.getHeader().getRevision(), last.getHeader().getRevision());
    assertEquals(filled(size, 'X'), first.getEvents(0).getKv().getValue());
    assertEquals(filled(size, 'x'), first.getEvents(0).getPrevKv().getValue());
    assertEquals(filled(size, 'Y'), last.getEvents(0).getKv().getValue());
    assertEquals(filled(size, 'y'), last.getEvents(0).getPrevKv().getValue());
    requests.onCompleted();
  }

  /**
   * A watcher that starts in the past gets its history in messages a client with gRPC's default 4 MiB receive
   * limit can read: six 1 MiB revisions leave in pieces of whole revisions, every event once and in order.
   */
  @Test
  void historyLargerThanAClientsReceiveLimitArrivesInPiecesOfWholeRevisions() throws Exception {
    String prefix = "/history-big/";
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(cluster.channel(node));
    int values = 6;
    int size = 1024 * 1024;
    long first = 0;
    for (int i = 0; i < values; i++) {
      long rev = kv.put(put(prefix + i, filled(size, (char) ('a' + i)))).getHeader().getRevision();
      first = i == 0 ? rev : first;
    }

    ManagedChannel defaultLimits = ManagedChannelBuilder.forAddress("127.0.0.1", node.clientPort()).usePlaintext().build();
    BlockingQueue<WatchResponse> inbox = new LinkedBlockingQueue<>();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    try {
      StreamObserver<WatchRequest> requests = WatchGrpc.newStub(defaultLimits).watch(new StreamObserver<>() {
        @Override
        public void onNext(WatchResponse r) {
          inbox.add(r);
        }

        @Override
        public void onError(Throwable t) {
          failed.set(t);
        }

        @Override
        public void onCompleted() {
        }
      });
      requests.onNext(create(WatchStream.prefixWatch(prefix, first)));
      List<Event> events = new ArrayList<>();
      int responses = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (events.size() < values && failed.get() == null && System.nanoTime() < deadline) {
        WatchResponse r = inbox.poll(1, TimeUnit.SECONDS);
        if (r != null && !r.getCreated()) {
          events.addAll(r.getEventsList());
          responses++;
        }
      }
      assertEquals(null, failed.get(), "the stream failed");
      assertEquals(values, events.size(), "every event arrived");
      for (int i = 0; i < values; i++) {
        assertEquals(prefix + i, events.get(i).getKv().getKey().toStringUtf8());
        assertEquals(first + i, events.get(i).getKv().getModRevision());
      }
      assertTrue(responses >= 2, "more than one response: " + responses);
      requests.onCompleted();
    } finally {
      defaultLimits.shutdownNow();
    }
  }

  private static WatchRequest create(dev.hawser.proto.etcdserverpb.WatchCreateRequest.Builder c) {
    return WatchRequest.newBuilder().setCreateRequest(c).build();
  }

  private static PutRequest put(String key, ByteString value) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(value).build();
  }

  private static dev.hawser.proto.etcdserverpb.RequestOp op(PutRequest p) {
    return dev.hawser.proto.etcdserverpb.RequestOp.newBuilder().setRequestPut(p).build();
  }

  private static ByteString filled(int size, char c) {
    byte[] b = new byte[size];
    java.util.Arrays.fill(b, (byte) c);
    return ByteString.copyFrom(b);
  }

  /** "PUT a=1 prev=0 DELETE b" per response: key relative to the prefix, value, and prev_kv when asked for. */
  private static List<String> describe(List<WatchResponse> responses, String prefix, boolean withPrev) {
    assertTrue(responses != null, "no responses");
    List<String> out = new ArrayList<>();
    for (WatchResponse r : responses) {
      List<String> parts = new ArrayList<>();
      for (Event e : r.getEventsList()) {
        String key = e.getKv().getKey().toStringUtf8().substring(prefix.length());
        String d = e.getType() + " " + key + (e.getType() == Event.EventType.PUT ? "=" + e.getKv().getValue().toStringUtf8() : "");
        if (withPrev) {
          d += e.hasPrevKv() ? " prev=" + e.getPrevKv().getValue().toStringUtf8() : " prev-";
        }
        parts.add(d);
      }
      out.add(String.join(" ", parts));
    }
    return out;
  }

  @Test
  void slowWatcherDoesNotStallOthersOrGrowTheHeapAndLaterGetsEverythingInOrder() throws Exception {
    String prefix = "/slow/";
    int puts = 3000;
    int slowWatchers = 4;
    double heapBefore = heapUsed();

    // A client that reads nothing: manual flow control, no request() after the creations. Its own
    // connection, so HTTP/2 connection-level flow control cannot hold back anyone else.
    ManagedChannel slowChannel = ManagedChannelBuilder.forAddress("127.0.0.1", node.clientPort())
        .usePlaintext().maxInboundMessageSize(Integer.MAX_VALUE).build();
    BlockingQueue<Object> slowInbox = new LinkedBlockingQueue<>();
    ClientCall<WatchRequest, WatchResponse> slow = slowChannel.newCall(WatchGrpc.getWatchMethod(), CallOptions.DEFAULT);
    try {
      slow.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(WatchResponse message) {
          slowInbox.add(message);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          slowInbox.add(status);
        }
      }, new Metadata());
      for (int i = 0; i < slowWatchers; i++) {
        slow.sendMessage(WatchRequest.newBuilder().setCreateRequest(WatchStream.prefixWatch(prefix, 0)).build());
      }
      slow.request(slowWatchers);
      for (int i = 0; i < slowWatchers; i++) {
        Object created = slowInbox.poll(30, TimeUnit.SECONDS);
        assertTrue(created instanceof WatchResponse r && r.getCreated(), "slow watcher created: " + created);
      }

      CheckingStream fast = new CheckingStream("fast", cluster.channel(node));
      fast.create(WatchStream.prefixWatch(prefix, 0));
      fast.awaitCreated(1, LONG);

      // Heavy writes while the slow stream reads nothing: 3000 puts x 4 watchers is well beyond
      // what its response queue and gRPC's flow-control window hold.
      Writer writer = new Writer(prefix, puts, 512).start();
      writer.join();
      fast.awaitAll(1, puts, LONG);
      assertTrue(fast.violations.isEmpty(), "the other watcher: " + fast.violations);
      fast.close();
      assertFalse(node.exitedUnexpectedly(), "the member survived the slow watcher");
      double heapAfter = heapUsed();
      System.out.printf("heap used before %.1f MB, after %.1f MB (of %.1f MB)%n",
          heapBefore / 1e6, heapAfter / 1e6, heapMax() / 1e6);
      assertTrue(heapAfter <= heapMax(), "heap within its max");
      assertTrue(slowInbox.isEmpty(), "the slow client asked for nothing more: " + slowInbox.peek());

      // Now the slow client reads: every event, in order, per watcher (or a compacted cancel).
      slow.request(Integer.MAX_VALUE);
      Map<Long, int[]> next = new ConcurrentHashMap<>(); // watch id -> {next n}
      List<String> violations = new ArrayList<>();
      long deadline = System.nanoTime() + LONG.toNanos();
      int done = 0;
      while (done < slowWatchers) {
        Object item = slowInbox.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertTrue(item != null, "slow watcher stalled; progress " + progress(next) + "; violations " + violations);
        assertTrue(item instanceof WatchResponse, "slow stream ended: " + item);
        WatchResponse r = (WatchResponse) item;
        int[] state = next.computeIfAbsent(r.getWatchId(), id -> new int[] {0});
        if (r.getCanceled()) {
          assertTrue(r.getCompactRevision() > 0, "a slow watcher is canceled only for compaction: " + r);
          state[0] = puts;
          done++;
          continue;
        }
        for (Event e : r.getEventsList()) {
          String expected = prefix + "k" + state[0];
          if (!e.getKv().getKey().toStringUtf8().equals(expected)) {
            violations.add("watch " + r.getWatchId() + ": expected " + expected + ", got " + e.getKv().getKey().toStringUtf8()
                + "@" + e.getKv().getModRevision());
            state[0] = Integer.parseInt(e.getKv().getKey().toStringUtf8().substring(prefix.length() + 1));
          }
          state[0]++;
        }
        if (state[0] == puts && r.getEventsCount() > 0) {
          done++;
        }
      }
      assertTrue(violations.isEmpty(), "slow watchers, after reading: " + violations.subList(0, Math.min(10, violations.size())));
      assertEquals(slowWatchers, next.size(), "every slow watcher answered: " + progress(next));
    } finally {
      slow.cancel("test done", null);
      slowChannel.shutdownNow();
    }
  }

  private static String progress(Map<Long, int[]> next) {
    StringBuilder s = new StringBuilder();
    next.forEach((id, n) -> s.append(id).append("->").append(n[0]).append(' '));
    return s.toString();
  }

  private static double heapUsed() throws Exception {
    return metric(HEAP);
  }

  private static double heapMax() throws Exception {
    return metric(Pattern.compile("(?m)^jvm_memory_max_bytes\\{area=\"heap\"} (\\S+)$"));
  }

  private static double metric(Pattern pattern) throws Exception {
    if (ServerCommand.isReferenceEtcd()) {
      return 0; // etcd is Go: no JVM gauges; liveness and the other watchers still count
    }
    String body = cluster.metricsGet(node, "/metrics").body();
    Matcher m = pattern.matcher(body);
    assertTrue(m.find(), "metric " + pattern + " in /metrics");
    return Double.parseDouble(m.group(1));
  }

  /** Puts {@code <prefix>k<n>} = n (padded to {@code pad} bytes) for n = 0..count-1, one at a time. */
  private static final class Writer {
    private final String prefix;
    private final int count;
    private final int pad;
    private final AtomicInteger acks = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread = new Thread(this::run, "fan-out-writer");

    Writer(String prefix, int count, int pad) {
      this.prefix = prefix;
      this.count = count;
      this.pad = pad;
    }

    Writer start() {
      thread.setDaemon(true);
      thread.start();
      return this;
    }

    void awaitAcks(int n, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (acks.get() < n) {
        if (failure.get() != null) {
          throw new AssertionError("writer failed", failure.get());
        }
        assertTrue(System.nanoTime() - deadline < 0, "only " + acks.get() + " puts acknowledged");
        Thread.sleep(20);
      }
    }

    void join() throws InterruptedException {
      thread.join(LONG.toMillis());
      if (failure.get() != null) {
        throw new AssertionError("writer failed after " + acks.get() + " puts", failure.get());
      }
      assertEquals(count, acks.get(), "every put acknowledged (the member kept serving writes)");
    }

    private void run() {
      try {
        String padding = "x".repeat(pad);
        for (int n = 0; n < count; n++) {
          PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(prefix + "k" + n))
              .setValue(ByteString.copyFromUtf8(n + padding)).build();
          KVGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(30, TimeUnit.SECONDS).put(put);
          acks.incrementAndGet();
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }
  }

  /**
   * One Watch stream with many watchers, all on the writer's prefix, checked as responses arrive:
   * the creation first, then keys k0, k1, k2, ... with increasing revisions and no cancel.
   */
  private static final class CheckingStream implements AutoCloseable {
    final String name;
    final List<String> violations = new CopyOnWriteArrayList<>();
    private final Map<Long, long[]> watchers = new ConcurrentHashMap<>(); // id -> {next n, last revision}
    private final AtomicInteger created = new AtomicInteger();
    private final AtomicReference<Throwable> ended = new AtomicReference<>();
    private final StreamObserver<WatchRequest> requests;
    private String prefix;

    CheckingStream(String name, ManagedChannel channel) {
      this.name = name;
      this.requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
        @Override
        public void onNext(WatchResponse r) {
          check(r);
        }

        @Override
        public void onError(Throwable t) {
          ended.set(t);
        }

        @Override
        public void onCompleted() {
          ended.set(new IllegalStateException("completed"));
        }
      });
    }

    synchronized void create(dev.hawser.proto.etcdserverpb.WatchCreateRequest.Builder c) {
      prefix = c.getKey().toStringUtf8();
      requests.onNext(WatchRequest.newBuilder().setCreateRequest(c).build());
    }

    private void check(WatchResponse r) {
      if (r.getCreated()) {
        if (r.getCanceled() || watchers.putIfAbsent(r.getWatchId(), new long[] {0, 0}) != null) {
          violations.add("bad creation " + r);
        }
        created.incrementAndGet();
        return;
      }
      long[] state = watchers.get(r.getWatchId());
      if (state == null) {
        violations.add("response for a watch never created: " + r.getWatchId());
        return;
      }
      if (r.getCanceled()) {
        violations.add("canceled: " + r);
        return;
      }
      for (Event e : r.getEventsList()) {
        String key = e.getKv().getKey().toStringUtf8();
        long rev = e.getKv().getModRevision();
        String expected = prefix + "k" + state[0];
        if (!key.equals(expected) || rev <= state[1] || e.getType() != Event.EventType.PUT) {
          violations.add("watch " + r.getWatchId() + ": expected PUT " + expected + " above revision " + state[1]
              + ", got " + e.getType() + " " + key + "@" + rev);
        }
        state[0]++;
        state[1] = rev;
      }
    }

    void awaitCreated(int n, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (created.get() < n) {
        assertTrue(ended.get() == null, name + " ended: " + ended.get());
        assertTrue(System.nanoTime() - deadline < 0, name + ": " + created.get() + " of " + n + " created");
        Thread.sleep(20);
      }
    }

    void awaitAll(int watcherCount, int events, Duration timeout) throws InterruptedException {
      awaitCreated(watcherCount, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long behind = watchers.values().stream().filter(s -> s[0] < events).count();
        if (behind == 0 && watchers.size() == watcherCount) {
          return;
        }
        assertTrue(ended.get() == null, name + " ended: " + ended.get());
        if (System.nanoTime() - deadline > 0) {
          long min = watchers.values().stream().mapToLong(s -> s[0]).min().orElse(-1);
          throw new AssertionError(name + ": " + behind + " watchers still short of " + events + " events (slowest at "
              + min + "); violations " + violations.subList(0, Math.min(5, violations.size())));
        }
        Thread.sleep(50);
      }
    }

    @Override
    public synchronized void close() {
      try {
        requests.onCompleted();
      } catch (RuntimeException ignored) {
        // gone
      }
    }
  }
}
