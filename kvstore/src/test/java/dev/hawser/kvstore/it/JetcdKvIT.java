package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The jetcd client (0.8.5) against a 3-node cluster: KV and Txn semantics as etcd defines them. */
class JetcdKvIT {
  private static StoreCluster cluster;
  private static Client client;
  private static KV kv;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = StoreCluster.of("JetcdKvIT", 3).start();
    cluster.awaitHealthy(Duration.ofSeconds(90));
    client = Client.builder().endpoints(cluster.endpoints().split(",")).build();
    kv = client.getKVClient();
    call(() -> kv.put(bytes("warmup"), bytes("1")));
  }

  @AfterAll
  static void stopCluster() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void putThenGetReturnsValueWithRevisionsAndVersion() throws Exception {
    PutResponse created = call(() -> kv.put(bytes("/j/put/k"), bytes("v1")));
    long createRevision = created.getHeader().getRevision();
    assertFalse(created.hasPrevKv(), "no prev_kv unless asked");

    PutResponse updated = call(() -> kv.put(bytes("/j/put/k"), bytes("v2"), PutOption.builder().withPrevKV().build()));
    assertEquals(createRevision + 1, updated.getHeader().getRevision());
    assertTrue(updated.hasPrevKv());
    assertEquals("v1", text(updated.getPrevKv().getValue()));
    assertEquals(1, updated.getPrevKv().getVersion());

    GetResponse got = call(() -> kv.get(bytes("/j/put/k")));
    assertEquals(1, got.getCount());
    KeyValue value = got.getKvs().get(0);
    assertEquals("/j/put/k", text(value.getKey()));
    assertEquals("v2", text(value.getValue()));
    assertEquals(createRevision, value.getCreateRevision());
    assertEquals(createRevision + 1, value.getModRevision());
    assertEquals(2, value.getVersion());
    assertEquals(0, value.getLease());
    assertTrue(got.getHeader().getRevision() >= createRevision + 1);
    assertTrue(got.getHeader().getClusterId() != 0 && got.getHeader().getMemberId() != 0);
  }

  @Test
  void getWithPrefixHonoursLimitCountOnlyKeysOnlyAndSort() throws Exception {
    for (String k : List.of("c", "a", "b")) {
      call(() -> kv.put(bytes("/j/prefix/" + k), bytes("value-" + k)));
    }
    call(() -> kv.put(bytes("/j/prefiy"), bytes("outside")));
    ByteSequence prefix = bytes("/j/prefix/");

    GetResponse all = call(() -> kv.get(prefix, GetOption.builder().isPrefix(true).build()));
    assertEquals(List.of("/j/prefix/a", "/j/prefix/b", "/j/prefix/c"), keys(all));
    assertEquals(3, all.getCount());
    assertFalse(all.isMore());

    GetResponse limited = call(() -> kv.get(prefix, GetOption.builder().isPrefix(true).withLimit(2).build()));
    assertEquals(List.of("/j/prefix/a", "/j/prefix/b"), keys(limited));
    assertTrue(limited.isMore());
    assertEquals(3, limited.getCount(), "count is not reduced by limit");

    GetResponse counted = call(() -> kv.get(prefix, GetOption.builder().isPrefix(true).withCountOnly(true).build()));
    assertEquals(3, counted.getCount());
    assertTrue(counted.getKvs().isEmpty(), "count_only returns no kvs");

    GetResponse keysOnly = call(() -> kv.get(prefix, GetOption.builder().isPrefix(true).withKeysOnly(true).build()));
    assertEquals(3, keysOnly.getKvs().size());
    keysOnly.getKvs().forEach(entry -> assertTrue(entry.getValue().isEmpty(), "keys_only leaves values empty"));

    GetResponse descending = call(() -> kv.get(prefix, GetOption.builder().isPrefix(true)
        .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.DESCEND).build()));
    assertEquals(List.of("/j/prefix/b", "/j/prefix/a", "/j/prefix/c"), keys(descending));
  }

  @Test
  void deleteWithPrefixReturnsDeletedCountAndPrevKvs() throws Exception {
    call(() -> kv.put(bytes("/j/del/a"), bytes("1")));
    call(() -> kv.put(bytes("/j/del/b"), bytes("2")));
    call(() -> kv.put(bytes("/j/delx"), bytes("stays")));

    DeleteResponse deleted = call(() -> kv.delete(bytes("/j/del/"),
        DeleteOption.builder().isPrefix(true).withPrevKV(true).build()));
    assertEquals(2, deleted.getDeleted());
    assertEquals(List.of("/j/del/a", "/j/del/b"), deleted.getPrevKvs().stream().map(p -> text(p.getKey())).toList());
    assertEquals(List.of("1", "2"), deleted.getPrevKvs().stream().map(p -> text(p.getValue())).toList());

    assertEquals(0, call(() -> kv.get(bytes("/j/del/"), GetOption.builder().isPrefix(true).build())).getCount());
    assertEquals(1, call(() -> kv.get(bytes("/j/delx"))).getCount());

    long before = call(() -> kv.get(bytes("/j/delx"))).getHeader().getRevision();
    DeleteResponse none = call(() -> kv.delete(bytes("/j/del/")));
    assertEquals(0, none.getDeleted());
    assertEquals(before, none.getHeader().getRevision(), "a no-op delete does not add a revision");
  }

  @Test
  void txnWithHoldingVersionCompareRunsThenOpsAtOneRevision() throws Exception {
    ByteSequence key = bytes("/j/txn1/k");
    call(() -> kv.put(key, bytes("v1")));
    TxnResponse txn = call(() -> kv.txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(1)))
        .Then(Op.put(key, bytes("v2"), PutOption.DEFAULT),
            Op.put(bytes("/j/txn1/other"), bytes("x"), PutOption.DEFAULT),
            Op.get(key, GetOption.DEFAULT))
        .Else(Op.put(bytes("/j/txn1/else"), bytes("ran"), PutOption.DEFAULT))
        .commit());
    assertTrue(txn.isSucceeded());
    assertEquals(2, txn.getPutResponses().size());
    GetResponse inTxn = txn.getGetResponses().get(0);
    assertEquals("v2", text(inTxn.getKvs().get(0).getValue()), "later ops see earlier writes of the same txn");

    long revision = txn.getHeader().getRevision();
    KeyValue k = call(() -> kv.get(key)).getKvs().get(0);
    KeyValue other = call(() -> kv.get(bytes("/j/txn1/other"))).getKvs().get(0);
    assertEquals(revision, k.getModRevision(), "both puts share the txn's revision");
    assertEquals(revision, other.getModRevision(), "both puts share the txn's revision");
    assertEquals(0, call(() -> kv.get(bytes("/j/txn1/else"))).getCount(), "else branch did not run");
  }

  @Test
  void txnWithFailingValueCompareRunsElseOps() throws Exception {
    ByteSequence key = bytes("/j/txn2/k");
    call(() -> kv.put(key, bytes("actual")));
    TxnResponse txn = call(() -> kv.txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(bytes("expected"))))
        .Then(Op.put(key, bytes("then"), PutOption.DEFAULT))
        .Else(Op.get(key, GetOption.DEFAULT), Op.delete(bytes("/j/txn2/missing"), DeleteOption.DEFAULT))
        .commit());
    assertFalse(txn.isSucceeded());
    assertEquals("actual", text(txn.getGetResponses().get(0).getKvs().get(0).getValue()));
    assertEquals(0, txn.getDeleteResponses().get(0).getDeleted());
    assertEquals("actual", text(call(() -> kv.get(key)).getKvs().get(0).getValue()));
  }

  @Test
  void txnComparesModRevisionForOptimisticUpdate() throws Exception {
    ByteSequence key = bytes("/j/txn3/k");
    long modRevision = call(() -> kv.put(key, bytes("1"))).getHeader().getRevision();

    Supplier<CompletableFuture<TxnResponse>> casUpdate = () -> kv.txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
        .Then(Op.put(key, bytes("2"), PutOption.DEFAULT))
        .commit();
    assertTrue(call(casUpdate).isSucceeded(), "mod_revision matched");
    assertFalse(call(casUpdate).isSucceeded(), "mod_revision moved on, the second update loses");
    assertEquals("2", text(call(() -> kv.get(key)).getKvs().get(0).getValue()));

    TxnResponse newer = call(() -> kv.txn()
        .If(new Cmp(key, Cmp.Op.GREATER, CmpTarget.modRevision(modRevision)),
            new Cmp(key, Cmp.Op.LESS, CmpTarget.version(3)),
            new Cmp(key, Cmp.Op.NOT_EQUAL, CmpTarget.value(bytes("1"))))
        .Then(Op.get(key, GetOption.DEFAULT))
        .commit());
    assertTrue(newer.isSucceeded(), "GREATER/LESS/NOT_EQUAL compares all hold");
  }

  @Test
  void txnCreateRevisionZeroCompareCreatesOnlyIfAbsent() throws Exception {
    ByteSequence key = bytes("/j/txn4/lock");
    Supplier<CompletableFuture<TxnResponse>> createIfAbsent = () -> kv.txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(Op.put(key, bytes("owner"), PutOption.DEFAULT))
        .Else(Op.get(key, GetOption.DEFAULT))
        .commit();
    assertTrue(call(createIfAbsent).isSucceeded());
    TxnResponse second = call(createIfAbsent);
    assertFalse(second.isSucceeded());
    assertEquals("owner", text(second.getGetResponses().get(0).getKvs().get(0).getValue()));
  }

  @Test
  void serializableGetOnEveryNodeSeesACommittedWrite() throws Exception {
    long revision = call(() -> kv.put(bytes("/j/serial/k"), bytes("v"))).getHeader().getRevision();
    for (StoreNode node : cluster.nodes()) {
      try (Client single = Client.builder().endpoints(node.endpoint()).build()) {
        GetOption serializable = GetOption.builder().withSerializable(true).build();
        cluster.awaitCondition(Duration.ofSeconds(30), node + " applying revision " + revision, () -> {
          GetResponse got = single.getKVClient().get(bytes("/j/serial/k"), serializable).get(10, TimeUnit.SECONDS);
          return got.getCount() == 1 && got.getKvs().get(0).getModRevision() == revision;
        });
      }
    }
  }

  private static <T> T call(Supplier<CompletableFuture<T>> request) throws Exception {
    return Retry.onTransient(Duration.ofSeconds(30), () -> request.get().get(15, TimeUnit.SECONDS));
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static String text(ByteSequence bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static List<String> keys(GetResponse response) {
    return response.getKvs().stream().map(entry -> text(entry.getKey())).toList();
  }
}
