package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hawser.proto.etcdserverpb.HashKVRequest;
import dev.hawser.proto.etcdserverpb.HashKVResponse;
import dev.hawser.proto.etcdserverpb.MaintenanceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Backup and restore as an operator does it: {@code etcdctl snapshot save} from a live cluster under
 * write load, {@code hawser snapshot restore} into a brand-new cluster, and the same data, revisions
 * and HashKV there. Also the NOSPACE alarm, and a member that lost its disk rejoining by
 * remove + add.
 */
class DisasterRecoveryIT {
  private static final Duration LONG = Duration.ofSeconds(120);

  @BeforeAll
  static void hawserOnly() {
    // restore, quota sizes and the rejoin procedure are Hawser's own
    Assumptions.assumeFalse(ServerCommand.isReferenceEtcd(), "Hawser-specific");
    Etcdctl.requireInstalled();
  }

  @Test
  void snapshotSavedUnderLoadRestoresANewClusterWithTheSameKeysRevisionsAndHash() throws Exception {
    Path snapshot;
    long savedRev;
    int savedHash;
    try (StoreCluster source = StoreCluster.of("DisasterRecoveryIT-source", 3).start().awaitHealthy(LONG)) {
      StoreKv kv = new StoreKv(source);
      for (int i = 0; i < 50; i++) {
        kv.put(source.node(i % 3), "/dr/key" + i, "value" + i);
      }
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        int i = 0;
        while (!stop.get()) {
          try {
            kv.put(source.node(i % 3), "/load/" + (i % 20), "v" + i);
            i++;
          } catch (Exception e) {
            return;
          }
        }
      });
      writer.start();
      snapshot = Files.createTempFile("hawser-backup", ".db");
      Files.delete(snapshot);
      Etcdctl.Result saved = Etcdctl.forEndpoints(source.node(1).endpoint())
          .runRetrying(LONG, "snapshot", "save", snapshot.toString());
      assertEquals(0, saved.exitCode(), "etcdctl snapshot save: " + saved);
      stop.set(true);
      writer.join();

      String status = hawser("snapshot", "status", snapshot.toString(), "-w", "json");
      savedRev = Json.object(status).get("revision").getAsLong();
      savedHash = (int) Json.object(status).get("hash").getAsLong();
      assertTrue(savedRev > 51, "the snapshot holds the writes: " + status);
      // The source cluster, at the saved revision, has the same hash on every member.
      source.awaitSameRevision(LONG);
      for (StoreNode n : source.nodes()) {
        assertEquals(savedHash, hashKv(source, n, savedRev).getHash(), n + ": HashKV at the saved revision");
      }
    }

    try (StoreCluster restored = StoreCluster.of("DisasterRecoveryIT-restored", 3)) {
      String initialCluster = String.join(",", restored.nodes().stream().map(n -> n.name() + "=" + n.peerUrl()).toList());
      for (StoreNode n : restored.nodes()) {
        hawser("snapshot", "restore", snapshot.toString(), "--name", n.name(), "--data-dir", n.dataDir().toString(),
            "--initial-cluster", initialCluster, "--initial-cluster-token", "restored");
      }
      // A second restore into a non-empty data dir is refused and changes nothing.
      Process again = hawserProcess("snapshot", "restore", snapshot.toString(), "--name", "n1",
          "--data-dir", restored.node(0).dataDir().toString(), "--initial-cluster", initialCluster);
      assertNotEquals(0, again.waitFor());
      restored.start().awaitHealthy(LONG);
      for (StoreNode n : restored.nodes()) {
        assertEquals(savedHash, hashKv(restored, n, savedRev).getHash(), n + ": restored HashKV equals the original");
      }
      Etcdctl etcdctl = Etcdctl.forEndpoints(restored.endpoints());
      Etcdctl.Result get = etcdctl.runRetrying(LONG, "get", "/dr/key7");
      assertEquals("/dr/key7\nvalue7\n", get.stdout());
      Etcdctl.Result put = etcdctl.runRetrying(LONG, "put", "/dr/after", "x", "-w", "json");
      long next = Json.object(put.stdout()).getAsJsonObject("header").get("revision").getAsLong();
      assertTrue(next > savedRev, "revisions continue after the saved one: " + next + " > " + savedRev);
    } finally {
      Files.deleteIfExists(snapshot);
    }
  }

  @Test
  void corruptOrTruncatedSnapshotsAreRefused() throws Exception {
    Path bad = Files.createTempFile("hawser-bad", ".db");
    Path dir = Files.createTempDirectory("hawser-restore");
    try {
      Files.write(bad, new byte[1000]);
      Process p = hawserProcess("snapshot", "restore", bad.toString(), "--name", "n1",
          "--data-dir", dir.resolve("d").toString());
      assertNotEquals(0, p.waitFor());
      String err = new String(p.getErrorStream().readAllBytes());
      assertTrue(err.contains("truncated or not a snapshot") || err.contains("corrupt"), err);
      assertTrue(Files.notExists(dir.resolve("d")), "nothing written for a bad file");
    } finally {
      Files.deleteIfExists(bad);
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void pastTheQuotaWritesFailWithNoSpaceUntilSpaceIsFreedAndTheAlarmDisarmed() throws Exception {
    try (StoreCluster cluster = StoreCluster.of("DisasterRecoveryIT-quota", 3, "--quota-backend-bytes", "6000000")
        .start().awaitHealthy(LONG)) {
      Etcdctl etcdctl = Etcdctl.forEndpoints(cluster.endpoints());
      String value = "x".repeat(900_000);
      Etcdctl.Result last = null;
      for (int i = 0; i < 20; i++) {
        // etcdctl reads the value from stdin when the command line leaves it out (too long for argv).
        last = etcdctl.runWithStdin(value, "put", "/big");
        if (last.exitCode() != 0) {
          break;
        }
      }
      assertTrue(last.stderr().contains("etcdserver: mvcc: database space exceeded"), "NOSPACE: " + last);
      // The member that refused the write raises the alarm through Raft; every member then knows it.
      cluster.awaitCondition(LONG, "the NOSPACE alarm", () -> etcdctl.run("alarm", "list").stdout().contains("alarm:NOSPACE"));
      assertEquals(0, etcdctl.run("get", "/big", "--keys-only").exitCode(), "reads still work");
      assertTrue(etcdctl.run("put", "/small", "v").stderr().contains("database space exceeded"));

      long rev = cluster.status(cluster.node(0)).getHeader().getRevision();
      assertEquals(0, etcdctl.run("compaction", "--physical", Long.toString(rev)).exitCode());
      assertEquals(0, etcdctl.run("defrag").exitCode());
      assertEquals(0, etcdctl.run("alarm", "disarm").exitCode());
      Etcdctl.Result after = etcdctl.runRetrying(LONG, "put", "/small", "v");
      assertEquals(0, after.exitCode(), "writes resume: " + after);
    }
  }

  @Test
  void aMemberThatLostItsDiskRejoinsByRemoveAndAddAndCatchesUpFromASnapshot() throws Exception {
    try (StoreCluster cluster = StoreCluster.of("DisasterRecoveryIT-rejoin", 3, "--snapshot-count", "100")
        .start().awaitHealthy(LONG)) {
      StoreKv kv = new StoreKv(cluster);
      StoreNode lost = cluster.node(2);
      for (int i = 0; i < 300; i++) {
        kv.put(cluster.node(i % 2), "/rejoin/" + i, "v" + i);
      }
      Etcdctl etcdctl = Etcdctl.forEndpoints(cluster.endpoints(n -> n != lost));
      String id = memberId(etcdctl, lost.name());
      assertEquals(0, etcdctl.runRetrying(LONG, "member", "remove", id).exitCode());
      lost.kill9();
      deleteTree(lost.dataDir());
      for (int i = 300; i < 500; i++) {
        kv.put(cluster.node(i % 2), "/rejoin/" + i, "v" + i);
      }
      Etcdctl.Result added = etcdctl.runRetrying(LONG, "member", "add", lost.name(), "--peer-urls=" + lost.peerUrl());
      assertEquals(0, added.exitCode(), added.toString());
      lost.initialClusterState("existing");
      lost.start();
      cluster.awaitHealthy(LONG);
      cluster.awaitSameRevision(LONG);
      assertEquals("v499", kv.localPrefix(lost, "/rejoin/499").getKvs(0).getValue().toStringUtf8());
      long rev = cluster.status(lost).getHeader().getRevision();
      int expected = hashKv(cluster, cluster.node(0), rev).getHash();
      assertEquals(expected, hashKv(cluster, lost, rev).getHash(), "the rejoined member has the same history");
      assertTrue(Files.readString(lost.logFile()).contains("installed snapshot"), "caught up by snapshot install");
      Etcdctl.Result members = etcdctl.run("member", "list");
      assertEquals(3, members.stdout().strip().split("\n").length, members.toString());
    }
  }

  // ---- helpers ----

  private static String memberId(Etcdctl etcdctl, String name) throws InterruptedException {
    for (String line : etcdctl.runRetrying(LONG, "member", "list").stdout().split("\n")) {
      String[] f = line.split(",\\s*");
      if (f.length > 2 && f[2].equals(name)) {
        return f[0];
      }
    }
    throw new AssertionError("no member " + name);
  }

  private static HashKVResponse hashKv(StoreCluster cluster, StoreNode node, long rev) throws Exception {
    return Retry.onTransient(LONG, () -> MaintenanceGrpc.newBlockingStub(cluster.channel(node))
        .withDeadlineAfter(10, TimeUnit.SECONDS).hashKV(HashKVRequest.newBuilder().setRevision(rev).build()));
  }

  /** Runs {@code hawser ARGS...} as a user would, and returns its standard output; fails on a non-zero exit. */
  private static String hawser(String... args) throws IOException, InterruptedException {
    Process p = hawserProcess(args);
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    int code = p.waitFor();
    assertEquals(0, code, "hawser " + String.join(" ", args) + "\n" + out + err);
    return out;
  }

  private static Process hawserProcess(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", ServerCommand.nodeClasspath(), ServerCommand.MAIN_CLASS));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
