package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.LeaseGrpc;
import dev.hawser.proto.etcdserverpb.MaintenanceGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Malformed and hostile gRPC messages at a live member: bytes that are not valid protobuf for the
 * method, and well-formed requests with hostile values (negative or huge numbers, invalid UTF-8
 * keys, transactions nested deeper than any client would send). Each call ends with an error or a
 * normal answer, never a hang or a crash; the member keeps serving and a sentinel key is untouched.
 */
class HostileGrpcIT {
  private static StoreCluster cluster;
  private static ManagedChannel channel;
  private static long sentinelRevision;

  @BeforeContainer
  static void start() throws Exception {
    cluster = StoreCluster.of("HostileGrpcIT", 1).start().awaitHealthy(Duration.ofSeconds(90));
    channel = cluster.channel(cluster.node(0));
    // Retried as clients retry "leader changed" right after an election; a repeated put would change the
    // revision read back, so the revision kept is the one the store holds afterwards.
    new StoreKv(cluster).put(cluster.node(0), "/sentinel", "v");
    sentinelRevision = kv().range(RangeRequest.newBuilder().setKey(bytes("/sentinel")).build()).getKvs(0).getModRevision();
  }

  @AfterContainer
  static void stop() {
    try {
      var got = kv().range(RangeRequest.newBuilder().setKey(bytes("/sentinel")).build());
      assertEquals(1, got.getKvsCount());
      assertEquals(sentinelRevision, got.getKvs(0).getModRevision(), "the sentinel key was not changed");
      assertEquals("v", got.getKvs(0).getValue().toStringUtf8());
    } finally {
      cluster.close();
    }
  }

  private static KVGrpc.KVBlockingStub kv() {
    return KVGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Raw bytes to a real method, bypassing the client's own encoding. */
  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  };

  record Garbage(String method, byte[] body) {
    @Override
    public String toString() {
      return method + " with " + body.length + " bytes";
    }
  }

  @Property(tries = 150)
  void malformedMessagesAreRefused(@ForAll("garbage") Garbage g) {
    MethodDescriptor<byte[], byte[]> m = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(g.method())
        .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, m, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), g.body()));
    assertNotEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), g + ": " + e.getStatus());
    assertNotEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), g + ": " + e.getStatus());
  }

  @Provide
  Arbitrary<Garbage> garbage() {
    Arbitrary<String> methods = Arbitraries.of(KVGrpc.getPutMethod().getFullMethodName(), KVGrpc.getRangeMethod().getFullMethodName(),
        KVGrpc.getTxnMethod().getFullMethodName(), KVGrpc.getDeleteRangeMethod().getFullMethodName(),
        KVGrpc.getCompactMethod().getFullMethodName(), LeaseGrpc.getLeaseGrantMethod().getFullMethodName(),
        LeaseGrpc.getLeaseRevokeMethod().getFullMethodName(), MaintenanceGrpc.getStatusMethod().getFullMethodName(),
        dev.hawser.proto.etcdserverpb.AuthGrpc.getAuthenticateMethod().getFullMethodName(),
        dev.hawser.proto.etcdserverpb.AuthGrpc.getUserAddMethod().getFullMethodName(),
        dev.hawser.proto.etcdserverpb.AuthGrpc.getRoleGrantPermissionMethod().getFullMethodName());
    // A zero tag is never valid protobuf, so every body fails to parse whatever follows it; the others
    // are truncated fields: a length that runs past the end, a varint that never ends.
    Arbitrary<byte[]> bodies = Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(200).map(b -> prepend((byte) 0x00, b)),
        Arbitraries.just(new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 0x01}),
        Arbitraries.integers().between(2, 40).map(n -> {
          byte[] b = new byte[n + 1];
          b[0] = 0x08;
          java.util.Arrays.fill(b, 1, b.length, (byte) 0x80);
          return b;
        }));
    return Combinators.combine(methods, bodies).as(Garbage::new);
  }

  private static byte[] prepend(byte first, byte[] rest) {
    byte[] out = new byte[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  @Property(tries = 60)
  void hostileValuesGetAnErrorOrAnAnswerAndTouchNothingOutsideTheirPrefix(@ForAll("hostileRequests") Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      assertNotEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
      assertNotEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), e.getStatus().toString());
      assertNotEquals(Status.Code.UNKNOWN, e.getStatus().getCode(), "an unmapped server error: " + e.getStatus());
    }
    assertTrue(kv().range(RangeRequest.newBuilder().setKey(bytes("/sentinel")).build()).getKvsCount() == 1, "still serving");
  }

  @Provide
  Arbitrary<Runnable> hostileRequests() {
    Arbitrary<Long> numbers = Arbitraries.of(-1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 62, -(1L << 40));
    Arbitrary<Runnable> ranges = numbers.map(n -> () -> kv().range(RangeRequest.newBuilder().setKey(bytes("/fuzz/"))
        .setRangeEnd(bytes("/fuzz0")).setLimit(n).setRevision(n < 0 ? n : 0).setMinModRevision(n).setMaxCreateRevision(n).build()));
    Arbitrary<Runnable> badUtf8 = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(50).map(b -> () ->
        kv().put(PutRequest.newBuilder().setKey(ByteString.copyFrom(prepend((byte) 0xff, b)).concat(bytes("")))
            .setValue(ByteString.copyFrom(b)).setLease(-7).build()));
    Arbitrary<Runnable> deepTxns = Arbitraries.integers().between(10, 45).map(depth -> () -> kv().txn(nested(depth)));
    Arbitrary<Runnable> compacts = numbers.map(n -> () -> kv().compact(dev.hawser.proto.etcdserverpb.CompactionRequest.newBuilder()
        .setRevision(n).build()));
    Arbitrary<Runnable> leases = numbers.map(n -> () -> LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .leaseGrant(dev.hawser.proto.etcdserverpb.LeaseGrantRequest.newBuilder().setTTL(n).setID(n).build()));
    // Auth calls with hostile sizes (auth stays off: nothing here creates root or enables it).
    Arbitrary<String> longText = Arbitraries.strings().ofMinLength(0).ofMaxLength(5000);
    Arbitrary<Runnable> auth = longText.map(t -> () -> {
      var stub = dev.hawser.proto.etcdserverpb.AuthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
      if (t.length() % 2 == 0) {
        stub.authenticate(dev.hawser.proto.etcdserverpb.AuthenticateRequest.newBuilder().setName(t).setPassword(t).build());
      } else {
        stub.userAdd(dev.hawser.proto.etcdserverpb.AuthUserAddRequest.newBuilder().setName("fuzz-" + t.hashCode())
            .setPassword(t).build());
      }
    });
    return Arbitraries.oneOf(ranges, badUtf8, deepTxns, compacts, leases, auth);
  }

  /**
   * Deeper than protobuf-java's parse limit (100 message levels, two per nested txn): refused while decoding, before our code runs.
   * grpc-java reports that as UNKNOWN "Application error processing RPC"; the member is unaffected.
   */
  @Property(tries = 10)
  void transactionsNestedBeyondTheParseLimitAreRefused(@ForAll("tooDeep") int depth) {
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> kv().txn(nested(depth)));
    assertTrue(List.of(Status.Code.UNKNOWN, Status.Code.INTERNAL, Status.Code.INVALID_ARGUMENT).contains(e.getStatus().getCode()),
        e.getStatus().toString());
    assertTrue(kv().range(RangeRequest.newBuilder().setKey(bytes("/fuzz/deep")).build()).getKvsList().stream()
        .noneMatch(kv -> kv.getValue().toStringUtf8().equals(Integer.toString(depth))), "nothing of it applied");
  }

  @Provide
  Arbitrary<Integer> tooDeep() {
    return Arbitraries.integers().between(60, 300);
  }

  /** A transaction nested {@code depth} deep whose innermost op writes under /fuzz/. */
  private static TxnRequest nested(int depth) {
    TxnRequest inner = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(
        PutRequest.newBuilder().setKey(bytes("/fuzz/deep")).setValue(bytes(Integer.toString(depth))))).build();
    for (int i = 0; i < depth; i++) {
      inner = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(inner)).build();
    }
    return inner;
  }

}
