package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.pki.DevPki;
import dev.hawser.proto.etcdserverpb.AuthGrpc;
import dev.hawser.proto.etcdserverpb.AuthenticateRequest;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.etcdserverpb.WatchCreateRequest;
import dev.hawser.proto.etcdserverpb.WatchRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's auth on a 3-member cluster serving TLS with client certificates, driven the way an operator would drive it:
 * etcdctl 3.4 with {@code --user --cacert --cert --key}. A user with read access to /app/ reads it, and cannot write
 * it, read or watch outside it, or see other keys through a transaction, a lease's key list or prev_kv. What etcdctl
 * cannot express (nested transactions, from-key watches, token expiry) is sent as raw gRPC over the same TLS.
 */
class AuthIT {
  private static final String ROOT_PASSWORD = "rootpw-7Hq2";
  private static final String ALICE_PASSWORD = "alicepw-9Xk4";
  private static final String BOB_PASSWORD = "bobpw-3Lm8";
  /** Short, so that expiry can be watched; each etcdctl run authenticates anew anyway. */
  private static final int TOKEN_TTL_SECONDS = 3;

  @TempDir static Path pki;
  static StoreCluster cluster;
  static Etcdctl etcdctl;
  static String leaseId;
  static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Etcdctl.requireInstalled();
    DevPki ca = DevPki.create("auth-it-ca");
    ca.writeCa(pki);
    ca.server("member", List.of("127.0.0.1", "localhost")).write(pki, "member");
    ca.client("client", List.of()).write(pki, "client");
    ca.client("alice", List.of()).write(pki, "alice");
    cluster = StoreCluster.of("AuthIT", 3,
        "--cert-file", pki.resolve("member.crt").toString(), "--key-file", pki.resolve("member.key").toString(),
        "--trusted-ca-file", pki.resolve("ca.crt").toString(), "--client-cert-auth",
        "--auth-token-ttl", String.valueOf(TOKEN_TTL_SECONDS), "--bcrypt-cost", "6").start();
    etcdctl = Etcdctl.forEndpoints(cluster.endpoints());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!etcdctl.run(tls("client", "put", "/app/k", "app-value")).ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the cluster never took a write\n" + cluster.logTails());
      }
      Thread.sleep(300);
    }
    ok(tls("client", "put", "/other/k", "other-value"));
    ok(tls("client", "user", "add", "root:" + ROOT_PASSWORD, "--interactive=false"));
    ok(tls("client", "user", "add", "alice:" + ALICE_PASSWORD, "--interactive=false"));
    ok(tls("client", "user", "add", "bob:" + BOB_PASSWORD, "--interactive=false"));
    ok(tls("client", "role", "add", "app-reader"));
    ok(tls("client", "role", "grant-permission", "app-reader", "read", "/app/", "--prefix"));
    ok(tls("client", "role", "add", "app-writer"));
    ok(tls("client", "role", "grant-permission", "app-writer", "write", "/app/", "--prefix"));
    ok(tls("client", "user", "grant-role", "alice", "app-reader"));
    ok(tls("client", "user", "grant-role", "bob", "app-writer"));
    String lease = ok(tls("client", "lease", "grant", "600"));
    leaseId = lease.split("\\s+")[1];
    ok(tls("client", "put", "/other/leased", "x", "--lease=" + leaseId));
    // etcdctl adds the root role and grants it to root when AuthEnable says "root user does not have root role".
    String enabled = ok(tls("client", "auth", "enable"));
    assertTrue(enabled.contains("Authentication Enabled"), enabled);
  }

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aReaderReadsItsPrefixAndCannotWriteIt() {
    assertEquals("app-value", ok(as("alice", ALICE_PASSWORD, "get", "/app/k", "--print-value-only")).trim());
    assertDenied(as("alice", ALICE_PASSWORD, "put", "/app/k", "changed"));
    assertDenied(as("alice", ALICE_PASSWORD, "del", "/app/k"));
    assertEquals("app-value", ok(as("root", ROOT_PASSWORD, "get", "/app/k", "--print-value-only")).trim());
  }

  @Test
  void aReaderCannotReadOrWatchOutsideItsRange() {
    assertDenied(as("alice", ALICE_PASSWORD, "get", "/other/k"));
    assertDenied(as("alice", ALICE_PASSWORD, "get", "/other/", "--prefix"));
    assertDenied(as("alice", ALICE_PASSWORD, "get", "/app/", "/b"));
    Etcdctl.Result watch = etcdctl.run(null, Duration.ofSeconds(15),
        withTls("client", "--user", "alice:" + ALICE_PASSWORD, "watch", "/other/", "--prefix"));
    assertFalse(watch.ok(), watch.toString());
    assertTrue((watch.stdout() + watch.stderr()).contains("etcdserver: permission denied"), watch.toString());
  }

  @Test
  void transactionsAreCheckedInEveryCompareAndEveryBranch() {
    Etcdctl.Result outsideInSuccess = etcdctl.run("\nget /other/k\n\n\n", Duration.ofSeconds(15),
        withTls("client", "--user", "alice:" + ALICE_PASSWORD, "txn"));
    assertDenied(outsideInSuccess);
    Etcdctl.Result outsideInFailure = etcdctl.run("\n\nget /other/k\n\n", Duration.ofSeconds(15),
        withTls("client", "--user", "alice:" + ALICE_PASSWORD, "txn"));
    assertDenied(outsideInFailure);
    Etcdctl.Result compareOutside = etcdctl.run("value(\"/other/k\") = \"other-value\"\n\nget /app/k\n\n\n", Duration.ofSeconds(15),
        withTls("client", "--user", "alice:" + ALICE_PASSWORD, "txn"));
    assertDenied(compareOutside);
  }

  @Test
  void nestedTransactionsCannotReachOtherKeys() throws Exception {
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel(1)).withInterceptors(token(1, "alice", ALICE_PASSWORD));
    TxnRequest read = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
        .addFailure(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs("/other/k")))))))).build();
    assertCode(Status.Code.PERMISSION_DENIED, () -> kv.txn(read));
    TxnRequest write = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestRange(
            RangeRequest.newBuilder().setKey(bs("/app/k"))))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("/other/k")).setValue(bs("pwned"))))))
        .build();
    assertCode(Status.Code.PERMISSION_DENIED, () -> kv.txn(write));
    assertEquals("other-value", ok(as("root", ROOT_PASSWORD, "get", "/other/k", "--print-value-only")).trim());
  }

  @Test
  void alarmsAndCompactionAreForRootOnly() throws Exception {
    var maintenance = dev.hawser.proto.etcdserverpb.MaintenanceGrpc.newBlockingStub(channel(2))
        .withInterceptors(token(2, "alice", ALICE_PASSWORD));
    assertCode(Status.Code.PERMISSION_DENIED, () -> maintenance.alarm(dev.hawser.proto.etcdserverpb.AlarmRequest.newBuilder()
        .setAction(dev.hawser.proto.etcdserverpb.AlarmRequest.AlarmAction.ACTIVATE)
        .setAlarm(dev.hawser.proto.etcdserverpb.AlarmType.NOSPACE).setMemberID(1).build()));
    assertEquals(0, maintenance.alarm(dev.hawser.proto.etcdserverpb.AlarmRequest.getDefaultInstance()).getAlarmsCount());
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel(2)).withInterceptors(token(2, "alice", ALICE_PASSWORD));
    assertCode(Status.Code.PERMISSION_DENIED,
        () -> kv.compact(dev.hawser.proto.etcdserverpb.CompactionRequest.newBuilder().setRevision(2).build()));
  }

  @Test
  void aFromKeyWatchIsCheckedAsEveryLaterKey() throws Exception {
    WatchResponse created = firstWatchResponse(1, "alice", ALICE_PASSWORD,
        WatchCreateRequest.newBuilder().setKey(bs("/app/")).setRangeEnd(ByteString.copyFrom(new byte[] {0})).build());
    assertTrue(created.getCanceled(), created.toString());
    assertEquals("etcdserver: permission denied", created.getCancelReason());
    WatchResponse allowed = firstWatchResponse(1, "alice", ALICE_PASSWORD,
        WatchCreateRequest.newBuilder().setKey(bs("/app/")).setRangeEnd(bs("/app0")).build());
    assertTrue(allowed.getCreated() && !allowed.getCanceled(), allowed.toString());
  }

  @Test
  void leaseKeysAndPrevKvAreReadsToo() {
    assertDenied(as("alice", ALICE_PASSWORD, "lease", "timetolive", leaseId, "--keys"));
    assertTrue(ok(as("root", ROOT_PASSWORD, "lease", "timetolive", leaseId, "--keys")).contains("/other/leased"));
    assertDenied(as("alice", ALICE_PASSWORD, "lease", "revoke", leaseId));
    // bob may write /app/ but not read it: a write that returns the old value is a read.
    ok(as("bob", BOB_PASSWORD, "put", "/app/bob", "v1"));
    assertDenied(as("bob", BOB_PASSWORD, "put", "/app/bob", "v2", "--prev-kv"));
    assertDenied(as("bob", BOB_PASSWORD, "del", "/app/bob", "--prev-kv"));
    assertDenied(as("bob", BOB_PASSWORD, "get", "/app/bob"));
    assertEquals("v1", ok(as("root", ROOT_PASSWORD, "get", "/app/bob", "--print-value-only")).trim());
  }

  @Test
  void administrationNeedsTheRootRole() throws IOException {
    Path snapshot = pki.resolve("alice.snapshot");
    assertDenied(Etcdctl.forEndpoints(cluster.node(0).endpoint()).run(withTls("client", "--user", "alice:" + ALICE_PASSWORD,
        "snapshot", "save", snapshot.toString())));
    assertDenied(as("alice", ALICE_PASSWORD, "compaction", "1"));
    assertDenied(as("alice", ALICE_PASSWORD, "endpoint", "hashkv"));
    assertDenied(as("alice", ALICE_PASSWORD, "defrag"));
    assertDenied(as("alice", ALICE_PASSWORD, "member", "add", "intruder", "--peer-urls=http://127.0.0.1:1"));
    // (etcdctl's alarm disarm only deactivates alarms it lists, and there are none: see the raw gRPC test.)
    assertDenied(as("alice", ALICE_PASSWORD, "user", "add", "mallory:pw", "--interactive=false"));
    assertDenied(as("alice", ALICE_PASSWORD, "role", "grant-permission", "app-reader", "readwrite", "/", "--prefix"));
    assertDenied(as("alice", ALICE_PASSWORD, "auth", "disable"));
    assertTrue(ok(as("alice", ALICE_PASSWORD, "member", "list")).contains("started"));
    assertTrue(ok(as("alice", ALICE_PASSWORD, "user", "get", "alice")).contains("app-reader"));
    assertDenied(as("alice", ALICE_PASSWORD, "user", "get", "bob"));
    ok(as("root", ROOT_PASSWORD, "endpoint", "hashkv"));
  }

  @Test
  void badCredentialsGetEtcdsErrors() {
    Etcdctl.Result wrong = etcdctl.run(withTls("client", "--user", "alice:not-it", "get", "/app/k"));
    assertFalse(wrong.ok());
    assertEquals("etcdserver: authentication failed, invalid user ID or password", wrong.error());
    Etcdctl.Result nobody = etcdctl.run(withTls("client", "--user", "nobody:pw", "get", "/app/k"));
    assertEquals("etcdserver: authentication failed, invalid user ID or password", nobody.error());
    // No token, and the certificate's CN names no user.
    assertDenied(etcdctl.run(withTls("client", "get", "/app/k")));
  }

  @Test
  void theCertificatesCommonNameIsTheUserWhenThereIsNoToken() {
    assertEquals("app-value", ok(withTls("alice", "get", "/app/k", "--print-value-only")).trim());
    assertDenied(etcdctl.run(withTls("alice", "put", "/app/k", "x")));
    assertDenied(etcdctl.run(withTls("alice", "get", "/other/k")));
  }

  @Test
  void aTokenWorksOnEveryMemberUntilItExpires() throws Exception {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), authenticate(1, "alice", ALICE_PASSWORD));
    for (int member = 0; member < 3; member++) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel(member))
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertEquals(1, kv.range(RangeRequest.newBuilder().setKey(bs("/app/k")).build()).getCount());
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(TOKEN_TTL_SECONDS) + 1500);
    KVGrpc.KVBlockingStub stale = KVGrpc.newBlockingStub(channel(0))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)).withDeadlineAfter(10, TimeUnit.SECONDS);
    StatusRuntimeException expired = assertCode(Status.Code.UNAUTHENTICATED,
        () -> stale.range(RangeRequest.newBuilder().setKey(bs("/app/k")).build()));
    assertEquals("etcdserver: invalid auth token", expired.getStatus().getDescription());

    Metadata forged = new Metadata();
    forged.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), "AAAAAAAAAAAAAAAA.1");
    KVGrpc.KVBlockingStub forger = KVGrpc.newBlockingStub(channel(2))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forged)).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertCode(Status.Code.UNAUTHENTICATED, () -> forger.range(RangeRequest.newBuilder().setKey(bs("/app/k")).build()));
  }

  @Test
  void aPermissionGrantedThroughOneMemberHoldsOnTheOthers() {
    ok(as("root", ROOT_PASSWORD, "role", "add", "other-reader"));
    ok(as("root", ROOT_PASSWORD, "role", "grant-permission", "other-reader", "read", "/other/k"));
    ok(as("root", ROOT_PASSWORD, "user", "add", "carol:carolpw", "--interactive=false"));
    ok(as("root", ROOT_PASSWORD, "user", "grant-role", "carol", "other-reader"));
    for (StoreNode node : cluster.nodes()) {
      Etcdctl one = Etcdctl.forEndpoints(node.endpoint());
      Etcdctl.Result r = one.run(withTls("client", "--user", "carol:carolpw", "get", "/other/k", "--print-value-only"));
      assertEquals("other-value", r.stdout().trim(), r.toString());
    }
    ok(as("root", ROOT_PASSWORD, "user", "revoke-role", "carol", "other-reader"));
    for (StoreNode node : cluster.nodes()) {
      Etcdctl one = Etcdctl.forEndpoints(node.endpoint());
      assertDenied(one.run(withTls("client", "--user", "carol:carolpw", "get", "/other/k")));
    }
  }

  /** Neither the Raft log, nor the databases, nor the members' logs hold a password or a token in plain text. */
  @Test
  void noSecretIsStoredOrLoggedInPlainText() throws Exception {
    String token = authenticate(0, "bob", BOB_PASSWORD);
    List<String> secrets = List.of(ROOT_PASSWORD, ALICE_PASSWORD, BOB_PASSWORD, token);
    List<Path> files = new ArrayList<>();
    for (StoreNode node : cluster.nodes()) {
      try (Stream<Path> s = Files.walk(node.dataDir())) {
        s.filter(Files::isRegularFile).forEach(files::add);
      }
      files.add(node.logFile());
    }
    assertTrue(files.size() > 10, "data directories and logs found: " + files);
    for (Path f : files) {
      byte[] content = Files.readAllBytes(f);
      for (String secret : secrets) {
        assertFalse(contains(content, secret.getBytes(StandardCharsets.UTF_8)), f + " holds a secret in plain text");
      }
    }
  }

  // ---- helpers ----

  private static String[] withTls(String cert, String... args) {
    return Etcdctl.withCert(pki, cert, args);
  }

  private static String[] tls(String cert, String... args) {
    return withTls(cert, args);
  }

  private static Etcdctl.Result as(String user, String password, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--user";
    all[1] = user + ":" + password;
    System.arraycopy(args, 0, all, 2, args.length);
    return etcdctl.run(withTls("client", all));
  }

  private static String ok(String[] args) {
    return etcdctl.ok(args);
  }

  private static String ok(Etcdctl.Result r) {
    assertTrue(r.ok(), r.toString());
    return r.stdout();
  }

  private static void assertDenied(Etcdctl.Result r) {
    assertFalse(r.ok(), r.toString());
    assertTrue(r.stderr().contains("etcdserver: permission denied"), r.toString());
  }

  private static StatusRuntimeException assertCode(Status.Code code, Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      assertEquals(code, e.getStatus().getCode(), e.toString());
      return e;
    }
    throw new AssertionError("expected " + code);
  }

  private static ManagedChannel channel(int member) throws IOException {
    synchronized (channels) {
      while (channels.size() <= member) {
        StoreNode node = cluster.node(channels.size());
        channels.add(NettyChannelBuilder.forAddress("127.0.0.1", node.clientPort())
            .sslContext(GrpcSslContexts.forClient()
                .trustManager(pki.resolve("ca.crt").toFile())
                .keyManager(pki.resolve("client.crt").toFile(), pki.resolve("client.key").toFile()).build())
            .build());
      }
      return channels.get(member);
    }
  }

  private static String authenticate(int member, String user, String password) throws IOException {
    return AuthGrpc.newBlockingStub(channel(member)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build()).getToken();
  }

  private static io.grpc.ClientInterceptor token(int member, String user, String password) throws IOException {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), authenticate(member, user, password));
    return MetadataUtils.newAttachHeadersInterceptor(md);
  }

  private static WatchResponse firstWatchResponse(int member, String user, String password, WatchCreateRequest create)
      throws Exception {
    LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests = dev.hawser.proto.etcdserverpb.WatchGrpc.newStub(channel(member))
        .withInterceptors(token(member, user, password))
        .watch(new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse r) {
            got.add(r);
          }

          @Override
          public void onError(Throwable t) {
            got.add(t);
          }

          @Override
          public void onCompleted() {
          }
        });
    requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
    Object first = got.poll(15, TimeUnit.SECONDS);
    requests.onCompleted();
    if (!(first instanceof WatchResponse r)) {
      throw new AssertionError("no watch response: " + first);
    }
    return r;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
