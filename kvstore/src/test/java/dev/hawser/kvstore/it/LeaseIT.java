package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.HashKVRequest;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.LeaseGrantRequest;
import dev.hawser.proto.etcdserverpb.LeaseGrantResponse;
import dev.hawser.proto.etcdserverpb.LeaseGrpc;
import dev.hawser.proto.etcdserverpb.LeaseKeepAliveRequest;
import dev.hawser.proto.etcdserverpb.LeaseKeepAliveResponse;
import dev.hawser.proto.etcdserverpb.LeaseLeasesRequest;
import dev.hawser.proto.etcdserverpb.LeaseRevokeRequest;
import dev.hawser.proto.etcdserverpb.LeaseRevokeResponse;
import dev.hawser.proto.etcdserverpb.LeaseStatus;
import dev.hawser.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.hawser.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.hawser.proto.etcdserverpb.MaintenanceGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Leases over raw gRPC on a 3-node cluster (etcd-api.md "Lease"): TTL floor, attached keys,
 * keep-alive, revocation in one revision, the answers for unknown leases, and expiry while the
 * leader crashes. One cluster; the crash test runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeaseIT {
  private static final Duration LONG = Duration.ofSeconds(90);
  /** ceil(1.5 x the default 1000 ms election timeout). */
  private static final long MIN_TTL = 2;
  private static final long KEEPALIVE_TTL = 8;
  private static StoreCluster cluster;
  private static StoreKv kv;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = StoreCluster.of("LeaseIT", 3).start().awaitHealthy(LONG);
    kv = new StoreKv(cluster);
    kv.put(cluster.leader(), "/warmup", "1");
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void grantRaisesTtlToTheMinimumAndTimeToLiveListsAttachedKeys() throws Exception {
    StoreNode follower = follower();
    LeaseGrantResponse tiny = grant(follower, 1);
    assertNotEquals(0, tiny.getID(), "the server picks an ID: " + tiny);
    assertEquals(MIN_TTL, tiny.getTTL(), "TTL 1 is raised to ceil(1.5 x election timeout): " + tiny);
    assertEquals(MIN_TTL, grant(follower, 0).getTTL(), "TTL 0 is raised too");

    LeaseGrantResponse lease = grant(follower, 60);
    assertEquals(60, lease.getTTL());
    put(follower, "/ttl/b", "2", lease.getID());
    put(follower, "/ttl/a", "1", lease.getID());
    put(follower, "/ttl/c", "3", 0);
    for (StoreNode node : cluster.nodes()) {
      LeaseTimeToLiveResponse ttl = timeToLive(node, lease.getID(), true);
      assertEquals(lease.getID(), ttl.getID(), node + ": " + ttl);
      assertEquals(60, ttl.getGrantedTTL(), node + ": " + ttl);
      assertTrue(ttl.getTTL() > 0 && ttl.getTTL() <= 60, node + ": remaining TTL: " + ttl);
      assertEquals(List.of("/ttl/a", "/ttl/b"), ttl.getKeysList().stream().map(ByteString::toStringUtf8).sorted().toList(),
          node + ": attached keys (etcd gives no order): " + ttl);
      assertEquals(0, timeToLive(node, lease.getID(), false).getKeysCount(), "keys only when asked");
      assertEquals(lease.getID(), kv.localPrefix(node, "/ttl/a").getKvs(0).getLease(), node + ": kv.lease");
    }
    Set<Long> listed = new HashSet<>();
    leases(follower).forEach(s -> listed.add(s.getID()));
    // The minimum-TTL lease may already have expired on a loaded machine; the 60 s one may not.
    assertTrue(listed.contains(lease.getID()), "LeaseLeases lists it: " + listed);

    // A put without a lease detaches the key from its old lease.
    put(follower, "/ttl/b", "2b", 0);
    assertEquals(List.of("/ttl/a"), timeToLive(follower, lease.getID(), true).getKeysList().stream()
        .map(ByteString::toStringUtf8).toList());
  }

  @Test
  @Order(2)
  void keepAliveStreamKeepsALeasePastItsTtlAndItExpiresWhenItStops() throws Exception {
    StoreNode follower = follower();
    // Short enough to expire within the test, long enough that a slow put on a loaded machine still finds it.
    LeaseGrantResponse lease = grant(cluster.leader(), KEEPALIVE_TTL);
    put(follower, "/ka/k", "v", lease.getID());

    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> stream = LeaseGrpc.newStub(cluster.channel(follower))
        .leaseKeepAlive(collect(answers));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2 * KEEPALIVE_TTL + 1);
    int sent = 0;
    while (System.nanoTime() - until < 0) {
      stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease.getID()).build());
      sent++;
      Object answer = answers.poll(10, TimeUnit.SECONDS);
      assertTrue(answer instanceof LeaseKeepAliveResponse, "keep-alive answer through a follower: " + answer);
      LeaseKeepAliveResponse k = (LeaseKeepAliveResponse) answer;
      assertEquals(lease.getID(), k.getID());
      assertEquals(KEEPALIVE_TTL, k.getTTL(), "a keep-alive answers the granted TTL: " + k);
      assertTrue(k.getHeader().getRevision() > 0 && k.getHeader().getMemberId() != 0, "header filled: " + k);
      Thread.sleep(500);
    }
    assertTrue(sent >= 6);
    assertEquals(1, kv.get(follower, "/ka/k").getKvsCount(), "kept alive for twice its TTL, the key is still there");
    assertTrue(timeToLive(follower, lease.getID(), false).getTTL() > 0);
    stream.onCompleted();

    // Expiry: not asserting how fast, only that it happens and the answers then say "gone".
    cluster.awaitCondition(LONG, "the lease to expire after keep-alives stop",
        () -> kv.get(follower, "/ka/k").getKvsCount() == 0);
    assertEquals(-1, timeToLive(follower, lease.getID(), false).getTTL(), "expired lease: TTL -1");
    assertEquals(0, keepAliveOnce(follower, lease.getID()).getTTL(), "expired lease: keep-alive TTL 0");
  }

  @Test
  @Order(3)
  void revokeDeletesEveryAttachedKeyInOneRevisionWithOneDeleteEventPerKey() throws Exception {
    StoreNode leader = cluster.leader();
    StoreNode follower = follower();
    LeaseGrantResponse lease = grant(follower, 60);
    for (String k : List.of("/rv/x", "/rv/y", "/rv/z")) {
      put(follower, k, "v", lease.getID());
    }
    put(follower, "/rv/other", "stays", 0);
    try (WatchStream watch = new WatchStream(cluster.channel(follower))) {
      watch.create(WatchStream.prefixWatch("/rv/", 0));
      assertTrue(watch.next(Duration.ofSeconds(20)).getCreated());
      long before = kv.get(leader, "/rv/x").getHeader().getRevision();
      LeaseRevokeResponse revoked = Retry.onTransient(LONG, () -> LeaseGrpc.newBlockingStub(cluster.channel(follower))
          .withDeadlineAfter(10, TimeUnit.SECONDS).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease.getID()).build()));
      long revokeRev = revoked.getHeader().getRevision();
      assertEquals(before + 1, revokeRev, "one revision for the whole revocation: " + revoked);

      WatchResponse events = watch.next(Duration.ofSeconds(20));
      assertEquals(3, events.getEventsCount(), "three DELETE events in one response: " + events);
      for (Event e : events.getEventsList()) {
        assertEquals(Event.EventType.DELETE, e.getType(), events.toString());
        assertEquals(revokeRev, e.getKv().getModRevision(), "all at the revoke revision: " + events);
      }
      assertEquals(List.of("/rv/x", "/rv/y", "/rv/z"),
          events.getEventsList().stream().map(e -> e.getKv().getKey().toStringUtf8()).toList());
      assertEquals(List.of("/rv/other"), kv.prefix(follower, "/rv/").getKvsList().stream()
          .map(x -> x.getKey().toStringUtf8()).toList(), "only the unleased key remains");
      assertEquals(revokeRev, kv.get(leader, "/rv/other").getHeader().getRevision(), "no revision besides the revoke");
      WatchStream.Item more = watch.poll(Duration.ofSeconds(1));
      assertTrue(more == null, "nothing else: " + more);
    }
    for (StoreNode node : cluster.nodes()) {
      assertEquals(-1, timeToLive(node, lease.getID(), true).getTTL(), node + ": revoked lease is unknown");
    }
  }

  @Test
  @Order(4)
  void unknownLeasesAnswerAsEtcdDoes() throws Exception {
    long unknown = 0x1234_5678_9abcL;
    for (StoreNode node : cluster.nodes()) {
      assertEquals(0, keepAliveOnce(node, unknown).getTTL(), node + ": keep-alive of an unknown lease: TTL 0, no error");
      LeaseTimeToLiveResponse ttl = timeToLive(node, unknown, true);
      assertEquals(-1, ttl.getTTL(), node + ": timetolive of an unknown lease: TTL -1: " + ttl);
      assertEquals(unknown, ttl.getID(), node + ": " + ttl);

      StatusRuntimeException revoke = assertThrows(StatusRuntimeException.class, () -> Retry.onTransient(LONG,
          () -> LeaseGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS)
              .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(unknown).build())));
      assertEquals(Status.Code.NOT_FOUND, revoke.getStatus().getCode(), node + ": " + revoke);
      assertEquals("etcdserver: requested lease not found", revoke.getStatus().getDescription(), node + ": " + revoke);

      StatusRuntimeException put = assertThrows(StatusRuntimeException.class, () -> put(node, "/unknown/k", "v", unknown));
      assertEquals(Status.Code.NOT_FOUND, put.getStatus().getCode(), node + ": " + put);
      assertEquals("etcdserver: requested lease not found", put.getStatus().getDescription(), node + ": " + put);
    }
    assertEquals(0, kv.prefix(cluster.leader(), "/unknown/").getKvsCount(), "the refused puts wrote nothing");
  }

  @Test
  @Order(10)
  void leaseExpiringAcrossALeaderCrashDeletesItsKeysOnceAtOneRevisionEverywhere() throws Exception {
    StoreNode leader = cluster.leader();
    long startRev = kv.get(leader, "/warmup").getHeader().getRevision() + 1;
    Map<StoreNode, WatchStream> watches = new LinkedHashMap<>();
    for (StoreNode node : cluster.nodes()) {
      WatchStream w = new WatchStream(cluster.channel(node)).create(WatchStream.prefixWatch("/exp/", startRev));
      assertTrue(w.next(Duration.ofSeconds(20)).getCreated());
      watches.put(node, w);
    }
    List<String> keys = List.of("/exp/a", "/exp/b", "/exp/c");
    LeaseGrantResponse lease = grant(leader, 3);
    for (String k : keys) {
      put(leader, k, "v", lease.getID());
    }
    assertTrue(timeToLive(leader, lease.getID(), false).getTTL() > 0, "still alive when the leader dies");
    leader.kill9();

    List<StoreNode> survivors = cluster.nodes().stream().filter(n -> n != leader).toList();
    for (StoreNode node : survivors) {
      cluster.awaitCondition(LONG, "the leased keys to expire on " + node,
          () -> kv.localPrefix(node, "/exp/").getKvsCount() == 0);
    }
    Map<StoreNode, Long> deleteRevision = new LinkedHashMap<>();
    for (StoreNode node : survivors) {
      deleteRevision.put(node, awaitDeletes(node, watches.get(node), keys));
    }
    assertEquals(1, new HashSet<>(deleteRevision.values()).size(), "one revoke revision on every node: " + deleteRevision);
    long revokeRev = deleteRevision.values().iterator().next();

    leader.start();
    cluster.awaitHealthy(LONG);
    long sameRev = cluster.awaitSameRevision(LONG);
    try (WatchStream w = new WatchStream(cluster.channel(leader)).create(WatchStream.prefixWatch("/exp/", startRev))) {
      assertTrue(w.next(Duration.ofSeconds(20)).getCreated());
      assertEquals(revokeRev, awaitDeletes(leader, w, keys), "the restarted old leader has the same revoke revision");
    }
    // Wait longer than TTL + election timeout: the restarted member must not bring the lease back.
    Thread.sleep(5_000);
    for (StoreNode node : cluster.nodes()) {
      assertEquals(0, kv.localPrefix(node, "/exp/").getKvsCount(), node + ": keys stay deleted");
      assertFalse(leases(node).stream().anyMatch(s -> s.getID() == lease.getID()), node + ": not in LeaseLeases");
    }
    for (StoreNode node : survivors) {
      WatchStream.Item extra = watches.get(node).poll(Duration.ofMillis(200));
      assertTrue(extra == null, node + ": no second deletion or other event after the revoke: " + extra);
      watches.get(node).close();
    }
    Set<Integer> hashes = new HashSet<>();
    long hashRev = cluster.awaitSameRevision(LONG);
    assertTrue(hashRev >= sameRev);
    for (StoreNode node : cluster.nodes()) {
      hashes.add(Retry.onTransient(LONG, () -> MaintenanceGrpc.newBlockingStub(cluster.channel(node))
          .withDeadlineAfter(10, TimeUnit.SECONDS).hashKV(HashKVRequest.newBuilder().setRevision(hashRev).build())).getHash());
    }
    assertEquals(1, hashes.size(), "HashKV at revision " + hashRev + " is the same on every node: " + hashes);
    // TimeToLive and KeepAlive are answered by the leader; every member must still get them there
    // (before any write goes through the followers, which would refresh their idea of the leader).
    LeaseGrantResponse fresh = grant(cluster.leader(), 60);
    for (StoreNode node : cluster.nodes()) {
      assertEquals(-1, answeredAfterFailover(node, "timetolive of the expired lease",
          () -> timeToLive(node, lease.getID(), false)).getTTL(), node + ": the lease stays gone");
      assertEquals(60, answeredAfterFailover(node, "keep-alive of a fresh lease",
          () -> keepAliveOnce(node, fresh.getID())).getTTL(), node + ": keep-alive works after the failover");
    }
    for (StoreNode node : cluster.nodes()) {
      StatusRuntimeException reuse = assertThrows(StatusRuntimeException.class, () -> put(node, "/exp/late", "v", lease.getID()));
      assertEquals(Status.Code.NOT_FOUND, reuse.getStatus().getCode(), node + ": " + reuse);
    }
  }

  /** The call's answer within 30 s of retrying elections' errors; anything else names the node. */
  private static <T> T answeredAfterFailover(StoreNode node, String what, java.util.concurrent.Callable<T> call) {
    try {
      return Retry.onTransient(Duration.ofSeconds(30), call);
    } catch (Exception e) {
      throw new AssertionError(node + " (leader is " + leaderName() + "): " + what + " failed: " + e, e);
    }
  }

  private static String leaderName() {
    try {
      return cluster.leader().name();
    } catch (Exception | AssertionError e) {
      return "unknown: " + e;
    }
  }

  /** Reads the watch until it has one DELETE per key; all must share one revision, which is returned. */
  private static long awaitDeletes(StoreNode node, WatchStream watch, List<String> keys) throws InterruptedException {
    List<Event> deletes = new ArrayList<>();
    List<WatchResponse> seen = new ArrayList<>();
    while (deletes.size() < keys.size()) {
      WatchResponse r = watch.next(Duration.ofSeconds(60));
      seen.add(r);
      assertFalse(r.getCanceled(), node + ": " + r);
      r.getEventsList().stream().filter(e -> e.getType() == Event.EventType.DELETE).forEach(deletes::add);
    }
    Set<Long> revs = new HashSet<>();
    deletes.forEach(e -> revs.add(e.getKv().getModRevision()));
    assertEquals(1, revs.size(), node + ": all DELETEs at one revision: " + seen);
    assertEquals(keys, deletes.stream().map(e -> e.getKv().getKey().toStringUtf8()).toList(), node + ": one per key: " + seen);
    WatchResponse last = seen.get(seen.size() - 1);
    assertEquals(keys.size(), last.getEventsList().stream().filter(e -> e.getType() == Event.EventType.DELETE).count(),
        node + ": the deletions come in one response: " + seen);
    return revs.iterator().next();
  }

  // ---- calls ----

  private static StoreNode follower() throws InterruptedException {
    StoreNode leader = cluster.leader();
    return cluster.nodes().stream().filter(n -> n != leader && n.isRunning()).findFirst().orElseThrow();
  }

  private static LeaseGrantResponse grant(StoreNode node, long ttl) throws Exception {
    return Retry.onTransient(LONG, () -> LeaseGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()));
  }

  private static LeaseTimeToLiveResponse timeToLive(StoreNode node, long id, boolean keys) throws Exception {
    return Retry.onTransient(LONG, () -> LeaseGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(keys).build()));
  }

  private static List<LeaseStatus> leases(StoreNode node) throws Exception {
    return Retry.onTransient(LONG, () -> LeaseGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .leaseLeases(LeaseLeasesRequest.getDefaultInstance())).getLeasesList();
  }

  private static void put(StoreNode node, String key, String value, long lease) throws Exception {
    Retry.onTransient(LONG, () -> KVGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
            .setLease(lease).build()));
  }

  /** One keep-alive on a fresh stream, as {@code etcdctl lease keep-alive --once} does. */
  private static LeaseKeepAliveResponse keepAliveOnce(StoreNode node, long id) throws Exception {
    return Retry.onTransient(LONG, () -> {
      BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
      StreamObserver<LeaseKeepAliveRequest> stream = LeaseGrpc.newStub(cluster.channel(node)).leaseKeepAlive(collect(answers));
      stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
      Object answer = answers.poll(10, TimeUnit.SECONDS);
      stream.onCompleted();
      if (answer instanceof Throwable t) {
        throw t instanceof Exception e ? e : new RuntimeException(t);
      }
      if (answer == null) {
        throw new AssertionError("no keep-alive answer from " + node);
      }
      return (LeaseKeepAliveResponse) answer;
    });
  }

  private static <T> StreamObserver<T> collect(BlockingQueue<Object> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {
        into.add(t);
      }

      @Override
      public void onCompleted() {
        into.add("completed");
      }
    };
  }
}
