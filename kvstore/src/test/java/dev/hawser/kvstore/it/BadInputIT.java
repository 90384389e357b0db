package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.CompactionRequest;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Requests etcd refuses, sent with the generated stubs to a one-node cluster: each must fail with
 * etcd's gRPC code and exact message, and leave the node serving normal requests.
 */
class BadInputIT {
  private static final int MAX_REQUEST_BYTES = 1_572_864;
  private static final int MAX_WATCHERS = 5;
  private static StoreCluster cluster;
  private static StoreKv kv;
  private static final AtomicInteger probes = new AtomicInteger();

  @BeforeAll
  static void startCluster() throws Exception {
    String[] limits = ServerCommand.isReferenceEtcd() ? new String[0]
        : new String[] {"--max-watchers-per-stream", Integer.toString(MAX_WATCHERS)};
    cluster = StoreCluster.of("BadInputIT", 1, limits).start().awaitHealthy(Duration.ofSeconds(90));
    kv = new StoreKv(cluster);
    kv.put(node(), "warmup", "1");
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** After every refused request the node still takes a put and returns it on a get. */
  @AfterEach
  void nodeStillServesPutAndGet() throws Exception {
    String key = "/probe/" + probes.incrementAndGet();
    long revision = kv.put(node(), key, "alive").getHeader().getRevision();
    var got = kv.get(node(), key);
    assertEquals(1, got.getKvsCount(), "the node serves a get after a refused request");
    assertEquals("alive", got.getKvs(0).getValue().toStringUtf8());
    assertEquals(revision, got.getKvs(0).getModRevision());
  }

  @Test
  void watchersBeyondThePerStreamLimitAreRefusedAndTheOthersKeepWorking() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(ServerCommand.isReferenceEtcd(), "a Hawser flag");
    try (WatchStream watch = new WatchStream(cluster.channel(node()))) {
      for (int i = 0; i < MAX_WATCHERS; i++) {
        watch.create(WatchStream.prefixWatch("/limit/", 0));
        assertTrue(watch.next(Duration.ofSeconds(10)).getCreated());
      }
      watch.create(WatchStream.prefixWatch("/limit/", 0));
      var refused = watch.next(Duration.ofSeconds(10));
      assertTrue(refused.getCanceled(), refused.toString());
      assertEquals("etcdserver: too many watchers on this stream", refused.getCancelReason());
      kv.put(node(), "/limit/k", "v");
      for (int i = 0; i < MAX_WATCHERS; i++) {
        assertEquals(1, watch.next(Duration.ofSeconds(10)).getEventsCount(), "existing watchers still get events");
      }
    }
  }

  @Test
  void putLargerThanMaxRequestBytesIsRefusedAsTooLarge() {
    PutRequest put = PutRequest.newBuilder()
        .setKey(bytes("/big/k")).setValue(ByteString.copyFrom(new byte[MAX_REQUEST_BYTES + 1024])).build();
    assertRefused(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large", () -> stub().put(put));
    assertKeyAbsent("/big/k");
  }

  @Test
  void putFarBeyondTheGrpcReceiveLimitIsRefused() {
    PutRequest put = PutRequest.newBuilder()
        .setKey(bytes("/huge/k")).setValue(ByteString.copyFrom(new byte[3 * 1024 * 1024])).build();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().put(put));
    // etcd: ResourceExhausted from gRPC's receive limit (max-request-bytes + 512 KiB); "request is
    // too large" would also be a correct refusal.
    Status.Code code = e.getStatus().getCode();
    assertTrue(code == Status.Code.RESOURCE_EXHAUSTED
            || (code == Status.Code.INVALID_ARGUMENT
                && "etcdserver: request is too large".equals(e.getStatus().getDescription())),
        "refused as too large: " + e.getStatus());
    assertKeyAbsent("/huge/k");
  }

  @Test
  void txnWithMoreThan128OpsIsRefused() throws Exception {
    assertRefused(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request",
        () -> stub().txn(txnOfPuts("/ops129/", 129)));
    assertKeyAbsent("/ops129/0");
    var accepted = stub().txn(txnOfPuts("/ops128/", 128));
    assertTrue(accepted.getSucceeded(), "128 ops is the limit, not over it");
    assertEquals(128, accepted.getResponsesCount());
  }

  @Test
  void txnPuttingOneKeyTwiceIsRefusedAsDuplicateKey() {
    TxnRequest txn = TxnRequest.newBuilder()
        .addSuccess(putOp("/dup/k", "1"))
        .addSuccess(putOp("/dup/k", "2"))
        .build();
    assertRefused(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request",
        () -> stub().txn(txn));
    assertKeyAbsent("/dup/k");
  }

  @Test
  void txnPuttingInsideARangeItDeletesIsRefusedAsDuplicateKey() {
    TxnRequest txn = TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
            .setKey(bytes("/dupdel/a")).setRangeEnd(bytes("/dupdel/z"))))
        .addSuccess(putOp("/dupdel/k", "1"))
        .build();
    assertRefused(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request",
        () -> stub().txn(txn));
  }

  @Test
  void emptyKeyIsRefusedForPutRangeAndDelete() {
    String message = "etcdserver: key is not provided";
    assertRefused(Status.Code.INVALID_ARGUMENT, message,
        () -> stub().put(PutRequest.newBuilder().setValue(bytes("v")).build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, message,
        () -> stub().range(RangeRequest.getDefaultInstance()));
    assertRefused(Status.Code.INVALID_ARGUMENT, message,
        () -> stub().deleteRange(DeleteRangeRequest.getDefaultInstance()));
  }

  @Test
  void rangeBelowTheCompactedRevisionIsOutOfRange() throws Exception {
    long first = kv.put(node(), "/compacted/k", "1").getHeader().getRevision();
    kv.put(node(), "/compacted/k", "2");
    long third = kv.put(node(), "/compacted/k", "3").getHeader().getRevision();
    stub().compact(CompactionRequest.newBuilder().setRevision(third).setPhysical(true).build());

    String compacted = "etcdserver: mvcc: required revision has been compacted";
    assertRefused(Status.Code.OUT_OF_RANGE, compacted,
        () -> stub().range(RangeRequest.newBuilder().setKey(bytes("/compacted/k")).setRevision(first).build()));
    assertRefused(Status.Code.OUT_OF_RANGE, compacted,
        () -> stub().compact(CompactionRequest.newBuilder().setRevision(third).build()));
    var atCompaction = stub().range(RangeRequest.newBuilder().setKey(bytes("/compacted/k")).setRevision(third).build());
    assertEquals("3", atCompaction.getKvs(0).getValue().toStringUtf8(), "the compaction revision stays readable");
  }

  @Test
  void rangeAboveTheCurrentRevisionIsOutOfRange() throws Exception {
    long current = kv.get(node(), "/future/none").getHeader().getRevision();
    String future = "etcdserver: mvcc: required revision is a future revision";
    assertRefused(Status.Code.OUT_OF_RANGE, future,
        () -> stub().range(RangeRequest.newBuilder().setKey(bytes("/future/k")).setRevision(current + 100).build()));
    assertRefused(Status.Code.OUT_OF_RANGE, future,
        () -> stub().compact(CompactionRequest.newBuilder().setRevision(current + 100).build()));
  }

  private static void assertRefused(Status.Code code, String message, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), "code of " + e.getStatus());
    assertEquals(message, e.getStatus().getDescription(), "message of " + e.getStatus());
  }

  private static void assertKeyAbsent(String key) {
    try {
      assertEquals(0, kv.get(node(), key).getKvsCount(), key + " must not have been written");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static TxnRequest txnOfPuts(String prefix, int count) {
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (int i = 0; i < count; i++) {
      txn.addSuccess(putOp(prefix + i, "v"));
    }
    return txn.build();
  }

  private static RequestOp putOp(String key, String value) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value))).build();
  }

  private static KVGrpc.KVBlockingStub stub() {
    return kv.stub(node());
  }

  private static StoreNode node() {
    return cluster.node(0);
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }
}
