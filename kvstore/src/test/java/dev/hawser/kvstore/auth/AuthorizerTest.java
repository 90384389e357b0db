package dev.hawser.kvstore.auth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.proto.authpb.Permission;
import dev.hawser.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.hawser.proto.etcdserverpb.AuthUserAddRequest;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.LeaseRevokeRequest;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.raft.Caller;
import dev.hawser.proto.raft.RaftRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The permission rules on a real auth store (RocksDB), for every path where etcd once let a request through. */
class AuthorizerTest {
  @TempDir Path dir;
  private Backend backend;
  private final AuthStore store = new AuthStore();
  /** lease 7 holds /other/secret; lease 8 holds /app/mine */
  private final Map<Long, List<ByteString>> leases = Map.of(7L, List.of(bs("/other/secret")), 8L, List.of(bs("/app/mine")));
  private Authorizer authorizer;

  @BeforeEach
  void setUp() throws EtcdException {
    backend = Backend.open(dir);
    authorizer = new Authorizer(store, id -> leases.getOrDefault(id, List.of()));
    change(b -> {
      store.addUser(b, user("root"));
      store.addRole(b, "root");
      store.grantRole(b, "root", "root");
      store.addUser(b, user("alice"));
      store.addRole(b, "app-rw");
      store.grantPermission(b, grant("app-rw", Permission.Type.READWRITE, "/app/", "/app0"));
      store.grantRole(b, "alice", "app-rw");
      store.addUser(b, user("writer"));
      store.addRole(b, "app-w");
      store.grantPermission(b, grant("app-w", Permission.Type.WRITE, "/app/", "/app0"));
      store.grantRole(b, "writer", "app-w");
      store.enable(b);
    });
  }

  @AfterEach
  void tearDown() {
    backend.close();
  }

  @Test
  void nestedTransactionsAreCheckedAtEveryDepthAndInBothBranches() {
    TxnRequest innermost = TxnRequest.newBuilder().addFailure(op(RangeRequest.newBuilder().setKey(bs("/other/k")))).build();
    TxnRequest nested = TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestTxn(innermost)))).build();
    assertDenied(() -> authorizer.checkApply(txn("alice", nested)));
    assertDenied(() -> authorizer.checkTxn("alice", nested));

    TxnRequest allowed = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(bs("/app/k")))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
            .addFailure(op(RangeRequest.newBuilder().setKey(bs("/app/")).setRangeEnd(bs("/app0")))))).build();
    assertDoesNotThrow(() -> authorizer.checkApply(txn("alice", allowed)));

    TxnRequest compareOutside = TxnRequest.newBuilder().addCompare(Compare.newBuilder().setKey(bs("/other/k"))).build();
    assertDenied(() -> authorizer.checkApply(txn("alice", compareOutside)));
  }

  @Test
  void prevKvMakesAWriteARead() {
    assertDoesNotThrow(() -> authorizer.checkApply(put("writer", PutRequest.newBuilder().setKey(bs("/app/k")))));
    assertDenied(() -> authorizer.checkApply(put("writer", PutRequest.newBuilder().setKey(bs("/app/k")).setPrevKv(true))));
    assertDenied(() -> authorizer.checkApply(RaftRequest.newBuilder().setCaller(caller("writer"))
        .setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs("/app/k")).setPrevKv(true)).build()));
    TxnRequest inTxn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(bs("/app/k")).setPrevKv(true))).build();
    assertDenied(() -> authorizer.checkApply(txn("writer", inTxn)));
  }

  @Test
  void aLeaseIsOnlyAsAccessibleAsItsKeys() {
    assertDenied(() -> authorizer.checkLeaseRead("alice", 7));
    assertDenied(() -> authorizer.checkLeaseRenew("alice", 7));
    assertDenied(() -> authorizer.checkApply(RaftRequest.newBuilder().setCaller(caller("alice"))
        .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(7)).build()));
    // Attaching a key to someone else's lease would let the caller revoke their keys later.
    assertDenied(() -> authorizer.checkApply(put("alice", PutRequest.newBuilder().setKey(bs("/app/x")).setLease(7))));
    assertDoesNotThrow(() -> authorizer.checkLeaseRead("alice", 8));
    assertDoesNotThrow(() -> authorizer.checkLeaseRead("root", 7));
  }

  @Test
  void aFromKeyWatchCoversEveryLaterKey() {
    assertDoesNotThrow(() -> authorizer.checkWatch("alice", bs("/app/"), bs("/app0")));
    assertDenied(() -> authorizer.checkWatch("alice", bs("/app/"), ByteString.copyFrom(new byte[] {0})));
    assertDenied(() -> authorizer.checkWatch("alice", bs("/other/"), bs("/other0")));
  }

  @Test
  void administrationNeedsTheRootRoleAndAnonymousCallersAreNamedAsSuch() {
    assertDenied(() -> authorizer.checkApply(RaftRequest.newBuilder().setCaller(caller("alice"))
        .setRoleAdd(dev.hawser.proto.etcdserverpb.AuthRoleAddRequest.newBuilder().setName("x")).build()));
    assertDoesNotThrow(() -> authorizer.checkAdmin("root"));
    EtcdException anonymous = assertThrows(EtcdException.class,
        () -> authorizer.checkRange("", RangeRequest.newBuilder().setKey(bs("/app/k")).build()));
    assertEquals(EtcdError.USER_EMPTY, anonymous.error());
    assertDenied(() -> authorizer.checkRange("nobody", RangeRequest.newBuilder().setKey(bs("/app/k")).build()));
    // The cluster's own requests (no caller) are never refused.
    assertDoesNotThrow(() -> authorizer.checkApply(RaftRequest.newBuilder()
        .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(7)).build()));
  }

  @Test
  void authManagementFollowsEtcdsRules() throws EtcdException {
    EtcdException rootDelete = assertThrows(EtcdException.class, () -> change(b -> store.deleteUser(b, "root")));
    assertEquals(EtcdError.INVALID_AUTH_MGMT, rootDelete.error());
    long before = store.state().revision();
    change(b -> store.deleteRole(b, "app-rw"));
    assertFalse(store.state().users().get("alice").getRolesList().contains("app-rw"));
    assertEquals(before + 1, store.state().revision());
    assertDenied(() -> authorizer.checkRange("alice", RangeRequest.newBuilder().setKey(bs("/app/k")).build()));

    AuthStore fresh = new AuthStore();
    fresh.restore(backend);
    assertEquals(store.state(), fresh.state());

    AuthStore noRoot = new AuthStore();
    EtcdException e = assertThrows(EtcdException.class, () -> change(b -> noRoot.enable(b)));
    assertEquals(EtcdError.ROOT_USER_NOT_EXIST, e.error());
  }

  @Test
  void changingAPasswordRevokesThatUsersTokens() throws EtcdException {
    SimpleTokens tokens = new SimpleTokens(300, System::nanoTime, System::currentTimeMillis);
    store.onCredentialsRevoked(tokens::invalidate);
    TokenProvider.Issued a = tokens.issue("alice", 1);
    TokenProvider.Issued r = tokens.issue("root", 1);
    tokens.register(a.replicate());
    tokens.register(r.replicate());
    assertEquals("alice", tokens.verify(a.token()));
    change(b -> store.changePassword(b, "alice", new Passwords(4).hash("new")));
    assertEquals(null, tokens.verify(a.token()));
    assertEquals("root", tokens.verify(r.token()));
    assertTrue(a.replicate().toString().indexOf(a.token()) < 0, "the replicated entry holds only a hash");
  }

  private interface Change {
    void apply(BatchTx b) throws EtcdException;
  }

  private void change(Change c) throws EtcdException {
    try (BatchTx b = backend.newBatch()) {
      c.apply(b);
      backend.commit(b);
    }
  }

  private static void assertDenied(Executable e) {
    EtcdException denied = assertThrows(EtcdException.class, e);
    assertEquals(EtcdError.PERMISSION_DENIED, denied.error());
  }

  private static RaftRequest txn(String user, TxnRequest t) {
    return RaftRequest.newBuilder().setCaller(caller(user)).setTxn(t).build();
  }

  private static RaftRequest put(String user, PutRequest.Builder p) {
    return RaftRequest.newBuilder().setCaller(caller(user)).setPut(p).build();
  }

  private static RequestOp op(RangeRequest.Builder r) {
    return RequestOp.newBuilder().setRequestRange(r).build();
  }

  private static Caller caller(String user) {
    return Caller.newBuilder().setUser(user).build();
  }

  private static AuthUserAddRequest user(String name) {
    return AuthUserAddRequest.newBuilder().setName(name).setHashedPassword("unused").build();
  }

  private static AuthRoleGrantPermissionRequest grant(String role, Permission.Type type, String key, String end) {
    return AuthRoleGrantPermissionRequest.newBuilder().setName(role)
        .setPerm(Permission.newBuilder().setPermType(type).setKey(bs(key)).setRangeEnd(bs(end))).build();
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
