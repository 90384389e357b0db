package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcdctl 3.4 against a 3-node cluster: etcdctl does the formatting, so equal output means the
 * server supplied the same fields as etcd. Expected texts were taken from etcd 3.4.23.
 *
 * <p>One cluster serves the whole class; every test uses its own keys, and reads revisions from
 * the server rather than assuming them.
 */
class EtcdctlKvIT {
  private static StoreCluster cluster;
  private static Etcdctl etcdctl;

  @BeforeAll
  static void startCluster() throws Exception {
    Etcdctl.requireInstalled(); // before starting nodes, so a skip costs nothing
    cluster = StoreCluster.of("EtcdctlKvIT", 3).start();
    etcdctl = Etcdctl.forEndpoints(cluster.endpoints());
    cluster.awaitHealthy(Duration.ofSeconds(90));
    // The first request after an election can still meet "leader changed"; settle before testing.
    assertTrue(etcdctl.runRetrying(Duration.ofSeconds(30), "put", "warmup", "1").ok());
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void putPrintsOkAndGetPrintsKeyThenValue() {
    assertEquals("OK\n", etcdctl.ok("put", "/put/a", "hello world"));
    assertEquals("/put/a\nhello world\n", etcdctl.ok("get", "/put/a"));
    assertEquals("hello world\n", etcdctl.ok("get", "/put/a", "--print-value-only"));
    assertEquals("", etcdctl.ok("get", "/put/missing"));
  }

  @Test
  void getWithPrefixReturnsOnlyKeysUnderThePrefixInKeyOrder() {
    etcdctl.ok("put", "/prefix/b", "2");
    etcdctl.ok("put", "/prefix/a", "1");
    etcdctl.ok("put", "/prefix/c", "3");
    etcdctl.ok("put", "/prefiy", "outside");
    etcdctl.ok("put", "/prefi", "outside");
    assertEquals("/prefix/a\n1\n/prefix/b\n2\n/prefix/c\n3\n", etcdctl.ok("get", "/prefix/", "--prefix"));
    assertEquals("/prefix/a\n1\n/prefix/b\n2\n", etcdctl.ok("get", "/prefix/", "--prefix", "--limit=2"));
  }

  @Test
  void getFromKeyReturnsEveryKeyAtOrAfterIt() {
    // "~" sorts after every other key this class writes, so the range holds only these keys.
    etcdctl.ok("put", "~fromkey/a", "1");
    etcdctl.ok("put", "~fromkey/b", "2");
    etcdctl.ok("put", "~fromkey/c", "3");
    assertEquals("~fromkey/b\n2\n~fromkey/c\n3\n", etcdctl.ok("get", "~fromkey/b", "--from-key"));
    assertEquals("~fromkey/b\n2\n", etcdctl.ok("get", "~fromkey/b", "--from-key", "--limit=1"));
  }

  @Test
  void getWithLimitReportsMoreAndCountsTheWholeRange() {
    etcdctl.ok("put", "/limit/a", "1");
    etcdctl.ok("put", "/limit/b", "2");
    etcdctl.ok("put", "/limit/c", "3");
    JsonObject limited = Json.object(etcdctl.ok("get", "/limit/", "--prefix", "--limit=2", "-w", "json"));
    assertEquals(2, limited.getAsJsonArray("kvs").size());
    assertTrue(limited.get("more").getAsBoolean(), "more when keys remain after the limit: " + limited);
    assertEquals(3, limited.get("count").getAsLong(), "count is not reduced by limit: " + limited);

    JsonObject all = Json.object(etcdctl.ok("get", "/limit/", "--prefix", "-w", "json"));
    assertFalse(all.has("more"), "more=false is left out of the JSON: " + all);
    assertEquals(3, all.get("count").getAsLong());
  }

  @Test
  void getAtRevisionReturnsTheValueAsOfThatRevision() {
    long first = putRevision("/rev/k", "v1");
    long second = putRevision("/rev/k", "v2");
    assertEquals(first + 1, second, "each put adds exactly one revision (no other writer here)");
    assertEquals("/rev/k\nv1\n", etcdctl.ok("get", "/rev/k", "--rev=" + first));
    assertEquals("/rev/k\nv2\n", etcdctl.ok("get", "/rev/k", "--rev=" + second));
    assertEquals("", etcdctl.ok("get", "/rev/k", "--rev=" + (first - 1)), "the key did not exist yet");
    JsonObject historical = Json.object(etcdctl.ok("get", "/rev/k", "--rev=" + first, "-w", "json"));
    assertTrue(historical.getAsJsonObject("header").get("revision").getAsLong() >= second,
        "a historical read still reports the current revision in its header: " + historical);
  }

  @Test
  void keysOnlyPrintsKeysWithEmptyValues() {
    etcdctl.ok("put", "/keysonly/a", "1");
    etcdctl.ok("put", "/keysonly/b", "2");
    assertEquals("/keysonly/a\n\n/keysonly/b\n\n", etcdctl.ok("get", "/keysonly/", "--prefix", "--keys-only"));
    JsonObject json = Json.object(etcdctl.ok("get", "/keysonly/", "--prefix", "--keys-only", "-w", "json"));
    for (JsonElement kv : json.getAsJsonArray("kvs")) {
      assertFalse(kv.getAsJsonObject().has("value"), "keys-only leaves values empty: " + json);
    }
  }

  @Test
  void sortByTargetAndOrderChangesResultOrder() {
    // a: version 1, value "z"; b: version 3, value "x"; c: version 2, value "y". Last write: b.
    etcdctl.ok("put", "/sort/a", "z");
    etcdctl.ok("put", "/sort/c", "y0");
    etcdctl.ok("put", "/sort/b", "x0");
    etcdctl.ok("put", "/sort/c", "y");
    etcdctl.ok("put", "/sort/b", "x1");
    etcdctl.ok("put", "/sort/b", "x");
    assertEquals(List.of("/sort/c", "/sort/b", "/sort/a"), sortedKeys("--sort-by=KEY", "--order=DESCEND"));
    assertEquals(List.of("/sort/b", "/sort/c", "/sort/a"), sortedKeys("--sort-by=VERSION", "--order=DESCEND"));
    assertEquals(List.of("/sort/a", "/sort/c", "/sort/b"), sortedKeys("--sort-by=VERSION", "--order=ASCEND"));
    assertEquals(List.of("/sort/a", "/sort/c", "/sort/b"), sortedKeys("--sort-by=CREATE", "--order=ASCEND"));
    assertEquals(List.of("/sort/b", "/sort/c", "/sort/a"), sortedKeys("--sort-by=MODIFY", "--order=DESCEND"));
    assertEquals(List.of("/sort/b", "/sort/c", "/sort/a"), sortedKeys("--sort-by=VALUE", "--order=ASCEND"));
    assertEquals(List.of("/sort/a", "/sort/c", "/sort/b"), sortedKeys("--sort-by=VALUE", "--order=DESCEND"));
    assertEquals(List.of("/sort/c", "/sort/b"), sortedKeys("--sort-by=KEY", "--order=DESCEND", "--limit=2"));
  }

  @Test
  void jsonOutputCarriesHeaderAndKeyValueFields() {
    long created = putRevision("/json/k", "v1");
    long modified = putRevision("/json/k", "v2");
    JsonObject json = Json.object(etcdctl.ok("get", "/json/k", "-w", "json"));

    JsonObject header = json.getAsJsonObject("header");
    assertNotEquals(BigInteger.ZERO, header.get("cluster_id").getAsBigInteger(), "cluster_id: " + json);
    assertNotEquals(BigInteger.ZERO, header.get("member_id").getAsBigInteger(), "member_id: " + json);
    assertTrue(header.get("revision").getAsLong() >= modified, "header.revision: " + json);
    assertTrue(header.get("raft_term").getAsLong() >= 1, "raft_term: " + json);

    JsonArray kvs = json.getAsJsonArray("kvs");
    assertEquals(1, kvs.size(), json.toString());
    JsonObject kv = kvs.get(0).getAsJsonObject();
    assertEquals(Json.base64("/json/k"), kv.get("key").getAsString(), "keys are base64: " + json);
    assertEquals(Json.base64("v2"), kv.get("value").getAsString(), "values are base64: " + json);
    assertEquals(created, kv.get("create_revision").getAsLong(), json.toString());
    assertEquals(modified, kv.get("mod_revision").getAsLong(), json.toString());
    assertEquals(2, kv.get("version").getAsLong(), json.toString());
    assertFalse(kv.has("lease"), "lease 0 is left out: " + json);
    assertEquals(1, json.get("count").getAsLong(), json.toString());
  }

  @Test
  void deleteWithPrefixDeletesOnlyThoseKeysAndPrintsTheCount() {
    etcdctl.ok("put", "/del/a", "1");
    etcdctl.ok("put", "/del/b", "2");
    etcdctl.ok("put", "/dela", "stays");
    assertEquals("2\n", etcdctl.ok("del", "/del/", "--prefix"));
    assertEquals("", etcdctl.ok("get", "/del/", "--prefix"));
    assertEquals("/dela\nstays\n", etcdctl.ok("get", "/dela"));
  }

  @Test
  void deleteWithPrevKvPrintsTheDeletedPairs() {
    etcdctl.ok("put", "/delprev/a", "1");
    etcdctl.ok("put", "/delprev/b", "2");
    assertEquals("2\n/delprev/a\n1\n/delprev/b\n2\n", etcdctl.ok("del", "/delprev/", "--prefix", "--prev-kv"));
  }

  @Test
  void deleteOfAMissingKeyPrintsZeroAndLeavesTheRevision() {
    long before = currentRevision();
    assertEquals("0\n", etcdctl.ok("del", "/delmissing/nothing"));
    assertEquals(before, currentRevision(), "a no-op delete does not add a revision");
  }

  @Test
  void interactiveTxnRunsTheSuccessBranchWhenComparesHold() {
    etcdctl.ok("put", "/txn1/k", "v1");
    String stdin = "value(\"/txn1/k\") = \"v1\"\n\n"
        + "put /txn1/k v2\nget /txn1/k\n\n"
        + "put /txn1/failed yes\n\n";
    Etcdctl.Result result = etcdctl.runWithStdin(stdin, "txn", "-i");
    assertEquals(0, result.exitCode(), result.toString());
    assertEquals(TXN_PROMPTS + "SUCCESS\n\nOK\n\n/txn1/k\nv2\n", result.stdout());
    assertEquals("", etcdctl.ok("get", "/txn1/failed"), "the failure branch did not run");
  }

  @Test
  void interactiveTxnRunsTheFailureBranchWhenACompareFails() {
    etcdctl.ok("put", "/txn2/k", "v1");
    etcdctl.ok("put", "/txn2/k", "v2");
    // version is 2, so the second compare fails; every compare must hold for SUCCESS.
    String stdin = "mod(\"/txn2/k\") > \"0\"\nversion(\"/txn2/k\") = \"1\"\n\n"
        + "put /txn2/k never\n\n"
        + "get /txn2/k\ndel /txn2/missing\nput /txn2/other x\n\n";
    Etcdctl.Result result = etcdctl.runWithStdin(stdin, "txn", "-i");
    assertEquals(0, result.exitCode(), result.toString());
    assertEquals(TXN_PROMPTS + "FAILURE\n\n/txn2/k\nv2\n\n0\n\nOK\n", result.stdout());
    assertEquals("/txn2/k\nv2\n", etcdctl.ok("get", "/txn2/k"));
    assertEquals("/txn2/other\nx\n", etcdctl.ok("get", "/txn2/other"));
  }

  @Test
  void interactiveTxnComparesCreateRevisionOfAMissingKeyAsZero() {
    String stdin = "create(\"/txn3/lock\") = \"0\"\n\nput /txn3/lock me\n\nget /txn3/lock\n\n";
    Etcdctl.Result first = etcdctl.runWithStdin(stdin, "txn", "-i");
    assertEquals(TXN_PROMPTS + "SUCCESS\n\nOK\n", first.stdout(), first.toString());
    Etcdctl.Result second = etcdctl.runWithStdin(stdin, "txn", "-i");
    assertEquals(TXN_PROMPTS + "FAILURE\n\n/txn3/lock\nme\n", second.stdout(), second.toString());
  }

  @Test
  void interactiveTxnValueCompareOnAMissingKeyIsFalse() {
    String stdin = "value(\"/txn4/missing\") = \"\"\n\nput /txn4/hit 1\n\nget /txn4/missing\n\n";
    Etcdctl.Result result = etcdctl.runWithStdin(stdin, "txn", "-i");
    // A missing key would compare equal to "" as a zero KV; etcd makes VALUE on a missing key false.
    assertEquals(TXN_PROMPTS + "FAILURE\n\n", result.stdout(), result.toString());
    assertEquals("", etcdctl.ok("get", "/txn4/hit"));
  }

  @Test
  void txnJsonOutputCarriesSucceededAndNestedResponses() {
    long created = putRevision("/txn5/k", "v1");
    String stdin = "version(\"/txn5/k\") = \"1\"\n\nput /txn5/k v2 --prev-kv\n\n\n";
    JsonObject json = Json.object(etcdctl.runWithStdin(stdin, "txn", "-i", "-w", "json").stdout()
        .replace(TXN_PROMPTS, ""));
    assertTrue(json.get("succeeded").getAsBoolean(), json.toString());
    long revision = json.getAsJsonObject("header").get("revision").getAsLong();
    assertEquals(created + 1, revision, json.toString());
    JsonObject put = json.getAsJsonArray("responses").get(0).getAsJsonObject()
        .getAsJsonObject("Response").getAsJsonObject("ResponsePut");
    assertEquals(revision, put.getAsJsonObject("header").get("revision").getAsLong(),
        "ops in a txn carry a header with the txn's revision: " + json);
    JsonObject prev = put.getAsJsonObject("prev_kv");
    assertEquals(Json.base64("v1"), prev.get("value").getAsString(), json.toString());
    assertEquals(created, prev.get("mod_revision").getAsLong(), json.toString());
  }

  @Test
  void compactionMakesOlderRevisionsUnreadable() {
    long first = putRevision("/compact/k", "v1");
    long second = putRevision("/compact/k", "v2");
    long third = putRevision("/compact/k", "v3");
    assertEquals("compacted revision " + second + "\n", etcdctl.ok("compaction", Long.toString(second)));

    Etcdctl.Result below = etcdctl.run("get", "/compact/k", "--rev=" + first);
    assertEquals(1, below.exitCode(), below.toString());
    assertEquals("etcdserver: mvcc: required revision has been compacted", below.error());

    assertEquals("/compact/k\nv2\n", etcdctl.ok("get", "/compact/k", "--rev=" + second),
        "the compaction revision itself stays readable");
    assertEquals("/compact/k\nv3\n", etcdctl.ok("get", "/compact/k", "--rev=" + third));

    Etcdctl.Result again = etcdctl.run("compaction", Long.toString(second));
    assertEquals(1, again.exitCode(), again.toString());
    assertEquals("etcdserver: mvcc: required revision has been compacted", again.error());

    Etcdctl.Result future = etcdctl.run("get", "/compact/k", "--rev=" + (currentRevision() + 1000));
    assertEquals(1, future.exitCode(), future.toString());
    assertEquals("etcdserver: mvcc: required revision is a future revision", future.error());
  }

  @Test
  void endpointStatusShowsOneLeaderAndRaftPositions() {
    String table = etcdctl.ok("endpoint", "status");
    List<String> lines = table.lines().toList();
    assertEquals(3, lines.size(), table);
    int leaders = 0;
    for (int i = 0; i < 3; i++) {
      // endpoint, ID, version, db size, is leader, is learner, raft term, raft index, applied index, errors
      String[] columns = lines.get(i).split(", ", -1);
      assertEquals(10, columns.length, lines.get(i));
      assertEquals(cluster.node(i).endpoint(), columns[0]);
      assertTrue(columns[1].matches("[0-9a-f]+"), "ID is hex: " + lines.get(i));
      assertFalse(columns[2].isEmpty(), "version: " + lines.get(i));
      leaders += Boolean.parseBoolean(columns[4]) ? 1 : 0;
      assertEquals("false", columns[5], "is learner: " + lines.get(i));
      assertTrue(Long.parseLong(columns[6]) >= 1, "raft term: " + lines.get(i));
      assertTrue(Long.parseLong(columns[7]) >= 1, "raft index: " + lines.get(i));
      assertTrue(Long.parseLong(columns[8]) >= 1, "raft applied index: " + lines.get(i));
      assertEquals("", columns[9], "errors: " + lines.get(i));
    }
    assertEquals(1, leaders, "exactly one endpoint is leader:\n" + table);

    JsonArray json = Json.parse(etcdctl.ok("endpoint", "status", "-w", "json")).getAsJsonArray();
    assertEquals(3, json.size(), json.toString());
    Set<BigInteger> leaderIds = new HashSet<>();
    Set<BigInteger> memberIds = new HashSet<>();
    for (JsonElement entry : json) {
      JsonObject status = entry.getAsJsonObject().getAsJsonObject("Status");
      leaderIds.add(status.get("leader").getAsBigInteger());
      memberIds.add(status.getAsJsonObject("header").get("member_id").getAsBigInteger());
      assertTrue(status.get("raftTerm").getAsLong() >= 1, entry.toString());
      assertTrue(status.get("raftIndex").getAsLong() >= 1, entry.toString());
      assertTrue(status.get("dbSize").getAsLong() > 0, entry.toString());
      assertFalse(status.get("version").getAsString().isEmpty(), entry.toString());
    }
    assertEquals(1, leaderIds.size(), "every member names the same leader: " + json);
    assertEquals(3, memberIds.size(), "three distinct member IDs: " + json);
    assertTrue(memberIds.containsAll(leaderIds), "the leader is one of the members: " + json);

    String drawn = etcdctl.ok("endpoint", "status", "-w", "table");
    assertTrue(drawn.contains("IS LEADER") && drawn.contains("RAFT APPLIED INDEX"), drawn);
    for (StoreNode node : cluster.nodes()) {
      assertTrue(drawn.contains("| " + node.endpoint() + " |"), drawn);
    }
  }

  @Test
  void endpointHealthReportsEveryEndpointHealthy() {
    Etcdctl.Result result = etcdctl.run("endpoint", "health");
    assertEquals(0, result.exitCode(), result.toString());
    String output = result.stdout() + result.stderr();
    for (StoreNode node : cluster.nodes()) {
      assertTrue(output.contains(node.endpoint() + " is healthy: successfully committed proposal"),
          result.toString());
    }
    JsonArray json = Json.parse(etcdctl.ok("endpoint", "health", "-w", "json")).getAsJsonArray();
    assertEquals(3, json.size(), json.toString());
    for (JsonElement entry : json) {
      assertTrue(entry.getAsJsonObject().get("health").getAsBoolean(), json.toString());
    }
  }

  @Test
  void memberListShowsEveryMemberWithItsUrls() throws InterruptedException {
    // A member publishes its name and client URLs through the log once it has started, as in etcd; until then
    // the list shows it "unstarted". Healthy endpoints do not mean every member has published yet.
    cluster.awaitCondition(Duration.ofSeconds(30), "every member published",
        () -> !etcdctl.ok("member", "list").contains("unstarted"));
    String output = etcdctl.ok("member", "list");
    List<String> lines = output.lines().toList();
    assertEquals(3, lines.size(), output);
    for (StoreNode node : cluster.nodes()) {
      String expectedTail = ", started, " + node.name() + ", " + node.peerUrl() + ", " + node.endpoint() + ", false";
      assertTrue(lines.stream().anyMatch(l -> l.matches("[0-9a-f]+" + java.util.regex.Pattern.quote(expectedTail))),
          "a line ending in '" + expectedTail + "' in:\n" + output);
    }
  }

  @Test
  void metricsUrlServesHealthAndPrometheusMetrics() throws Exception {
    for (StoreNode node : cluster.nodes()) {
      HttpResponse<String> health = cluster.metricsGet(node, "/health");
      assertEquals(200, health.statusCode(), node + " /health: " + health.body());
      assertTrue(health.body().replace(" ", "").contains("\"health\":\"true\""), health.body());
      HttpResponse<String> metrics = cluster.metricsGet(node, "/metrics");
      assertEquals(200, metrics.statusCode(), node + " /metrics");
      assertTrue(metrics.body().contains("# TYPE "), "Prometheus text format: " + metrics.body());
    }
  }

  private static final String TXN_PROMPTS =
      "compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n";

  private static long putRevision(String key, String value) {
    JsonObject json = Json.object(etcdctl.ok("put", key, value, "-w", "json"));
    return json.getAsJsonObject("header").get("revision").getAsLong();
  }

  private static long currentRevision() {
    JsonObject json = Json.object(etcdctl.ok("get", "/no/such/key", "-w", "json"));
    return json.getAsJsonObject("header").get("revision").getAsLong();
  }

  private static List<String> sortedKeys(String... options) {
    List<String> args = new ArrayList<>(List.of("get", "/sort/", "--prefix", "--keys-only"));
    args.addAll(List.of(options));
    return etcdctl.ok(args.toArray(String[]::new)).lines().filter(l -> !l.isEmpty()).toList();
  }
}
