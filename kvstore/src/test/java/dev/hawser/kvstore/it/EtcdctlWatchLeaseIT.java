package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a user types with etcdctl 3.4 for watches and leases, against a 3-node cluster. etcdctl
 * formats the output, so the expected lines are etcd's own (checked with
 * {@code -Dhawser.it.server=etcd}). Long-running {@code watch} processes are read line by line
 * while a second etcdctl writes.
 */
class EtcdctlWatchLeaseIT {
  private static final Duration LINE_WAIT = Duration.ofSeconds(20);
  private static final Pattern GRANTED = Pattern.compile("^lease ([0-9a-f]+) granted with TTL\\((\\d+)s\\)$");
  private static StoreCluster cluster;
  private static Etcdctl etcdctl;

  @BeforeAll
  static void startCluster() throws Exception {
    etcdctl = null;
    cluster = StoreCluster.of("EtcdctlWatchLeaseIT", 3).start();
    etcdctl = Etcdctl.forEndpoints(cluster.endpoints());
    cluster.awaitHealthy(Duration.ofSeconds(90));
    assertTrue(etcdctl.runRetrying(Duration.ofSeconds(30), "put", "warmup", "1").ok());
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void watchPrefixPrintsTypeKeyValueLinesForPutsAndDeletes() throws Exception {
    try (Watching watch = new Watching(etcdctl, "watch", "/wp/", "--prefix")) {
      watch.awaitStarted();
      etcdctl.ok("put", "/wp/a", "1");
      etcdctl.ok("put", "/wq", "outside the prefix");
      etcdctl.ok("put", "/wp/b", "two words");
      etcdctl.ok("del", "/wp/a");
      assertEquals(List.of("PUT", "/wp/a", "1", "PUT", "/wp/b", "two words", "DELETE", "/wp/a", ""), watch.lines(9));
      watch.assertNoMoreLines();
    }
  }

  @Test
  void watchFromRevisionReplaysHistoryThenFollows() throws Exception {
    long first = revisionOf(etcdctl.ok("put", "/wr/k", "v1", "-w", "json"));
    etcdctl.ok("put", "/wr/k", "v2");
    try (Watching watch = new Watching(etcdctl, "watch", "/wr/k", "--rev=" + first)) {
      assertEquals(List.of("PUT", "/wr/k", "v1", "PUT", "/wr/k", "v2"), watch.lines(6), "replayed from --rev");
      etcdctl.ok("put", "/wr/k", "v3");
      assertEquals(List.of("PUT", "/wr/k", "v3"), watch.lines(3), "then live");
    }
  }

  @Test
  void watchWithPrevKvPrintsThePreviousPairBeforeTheNewOne() throws Exception {
    // One member for the put and the watch: a watch "from now" starts at the revision its member has
    // applied, and another member may not have applied the put yet (as in etcd).
    Etcdctl oneMember = Etcdctl.forEndpoints(cluster.node(0).endpoint());
    oneMember.ok("put", "/wpk/k", "old");
    try (Watching watch = new Watching(oneMember, "watch", "/wpk/k", "--prev-kv")) {
      watch.awaitStarted();
      etcdctl.ok("put", "/wpk/k", "new");
      etcdctl.ok("del", "/wpk/k");
      etcdctl.ok("put", "/wpk/k", "fresh");
      assertEquals(List.of(
          "PUT", "/wpk/k", "old", "/wpk/k", "new",
          "DELETE", "/wpk/k", "new", "/wpk/k", "",
          "PUT", "/wpk/k", "fresh"), watch.lines(13), "prev kv first; none for a creation");
    }
  }

  @Test
  void interactiveWatchReadsWatchCommandsFromStdin() throws Exception {
    try (Watching watch = new Watching(etcdctl, "watch", "-i")) {
      watch.stdin("watch /wi/foo\n");
      watch.awaitStarted();
      etcdctl.ok("put", "/wi/foo", "bar");
      etcdctl.ok("put", "/wi/other", "ignored");
      etcdctl.ok("put", "/wi/foo", "baz");
      assertEquals(List.of("PUT", "/wi/foo", "bar", "PUT", "/wi/foo", "baz"), watch.lines(6));
      watch.stdin("watch --prefix /wi/p\n");
      Thread.sleep(1000); // no created-acknowledgement is printed; give the second watch a moment
      etcdctl.ok("put", "/wi/pq", "x");
      assertEquals(List.of("PUT", "/wi/pq", "x"), watch.lines(3));
    }
  }

  @Test
  void leaseLifecycleAsPrintedByEtcdctl() throws Exception {
    String granted = etcdctl.ok("lease", "grant", "10").strip();
    Matcher m = GRANTED.matcher(granted);
    assertTrue(m.matches(), "lease grant output: " + granted);
    assertEquals("10", m.group(2));
    String id = m.group(1);

    assertEquals("OK\n", etcdctl.ok("put", "--lease=" + id, "/lease/b", "2"));
    assertEquals("OK\n", etcdctl.ok("put", "--lease=" + id, "/lease/a", "1"));
    assertEquals("lease " + id + " keepalived with TTL(10)\n", etcdctl.ok("lease", "keep-alive", "--once", id));

    String ttl = etcdctl.ok("lease", "timetolive", id, "--keys").strip();
    Matcher t = Pattern.compile("^lease " + id + " granted with TTL\\(10s\\), remaining\\((\\d+)s\\), attached keys\\(\\[(.*)]\\)$")
        .matcher(ttl);
    assertTrue(t.matches(), "timetolive --keys output: " + ttl);
    int remaining = Integer.parseInt(t.group(1));
    assertTrue(remaining > 0 && remaining <= 10, ttl);
    // etcd lists them in no particular order (a Go map).
    assertEquals(List.of("/lease/a", "/lease/b"), java.util.Arrays.stream(t.group(2).split(" ")).sorted().toList(),
        "attached keys: " + ttl);
    assertTrue(etcdctl.ok("lease", "timetolive", id).strip().matches(
        "^lease " + id + " granted with TTL\\(10s\\), remaining\\(\\d+s\\)$"), "without --keys");

    List<String> list = etcdctl.ok("lease", "list").lines().toList();
    assertTrue(list.get(0).matches("^found \\d+ leases$"), "lease list: " + list);
    assertEquals(Integer.parseInt(list.get(0).split(" ")[1]), list.size() - 1, "count matches the IDs: " + list);
    assertTrue(list.contains(id), "lease list shows " + id + ": " + list);

    try (Watching watch = new Watching(etcdctl, "watch", "/lease/", "--prefix")) {
      watch.awaitStarted();
      assertEquals("lease " + id + " revoked\n", etcdctl.ok("lease", "revoke", id));
      assertEquals(List.of("DELETE", "/lease/a", "", "DELETE", "/lease/b", ""), watch.lines(6), "revoke deletes the keys");
    }
    assertEquals("", etcdctl.ok("get", "/lease/", "--prefix"));
    assertEquals("lease " + id + " already expired\n", etcdctl.ok("lease", "timetolive", id));
    // `lease list` reads the answering member's own lease table without a ReadIndex round (as etcd's
    // LeaseLeases does), so a member that has not applied the revoke yet may still list it briefly.
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (etcdctl.ok("lease", "list").lines().toList().contains(id) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertFalse(etcdctl.ok("lease", "list").lines().toList().contains(id), "revoked lease no longer listed");

    Etcdctl.Result revokeAgain = etcdctl.run("lease", "revoke", id);
    assertFalse(revokeAgain.ok(), revokeAgain.toString());
    assertEquals("failed to revoke lease (etcdserver: requested lease not found)", revokeAgain.error(), revokeAgain.toString());
    Etcdctl.Result putUnknown = etcdctl.run("put", "--lease=" + id, "/lease/c", "3");
    assertFalse(putUnknown.ok(), putUnknown.toString());
    assertTrue(putUnknown.error().contains("etcdserver: requested lease not found"), putUnknown.toString());
    Etcdctl.Result keepAliveUnknown = etcdctl.run("lease", "keep-alive", "--once", id);
    assertFalse(keepAliveUnknown.ok(), keepAliveUnknown.toString());
    assertTrue(keepAliveUnknown.error().contains("etcdserver: requested lease not found"), keepAliveUnknown.toString());
  }

  @Test
  void leaseGrantBelowTheMinimumIsRaisedAndExpiresWithoutKeepAlive() throws Exception {
    Matcher m = GRANTED.matcher(etcdctl.ok("lease", "grant", "1").strip());
    assertTrue(m.matches());
    assertEquals("2", m.group(2), "TTL 1 raised to the 2 s minimum");
    String id = m.group(1);
    etcdctl.ok("put", "--lease=" + id, "/short/k", "v");
    cluster.awaitCondition(Duration.ofSeconds(60), "the 2 s lease to expire",
        () -> etcdctl.ok("get", "/short/k").isEmpty());
    assertEquals("lease " + id + " already expired\n", etcdctl.ok("lease", "timetolive", id));
  }

  private static long revisionOf(String putJson) {
    return Json.object(putJson).getAsJsonObject("header").get("revision").getAsLong();
  }

  /** A running {@code etcdctl watch ...}, its stdout read into a queue of lines. */
  private static final class Watching implements AutoCloseable {
    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final OutputStream stdin;
    private final List<String> seen = new ArrayList<>();

    Watching(Etcdctl etcdctl, String... args) throws IOException {
      stderr = Files.createTempFile("etcdctl-watch", ".err");
      process = etcdctl.start(stderr, args);
      stdin = process.getOutputStream();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (IOException ignored) {
          // the process was destroyed
        }
      }, "etcdctl-watch-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    void stdin(String text) throws IOException {
      stdin.write(text.getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    }

    /**
     * etcdctl prints nothing when its watch is created, so wait for the stream to be up: a
     * fixed second after start. (A missed event fails the test through {@link #lines}.)
     */
    void awaitStarted() throws InterruptedException {
      Thread.sleep(1500);
      assertTrue(process.isAlive(), "etcdctl watch exited early: " + stderrText());
    }

    List<String> lines(int n) throws InterruptedException {
      List<String> out = new ArrayList<>();
      while (out.size() < n) {
        String line = lines.poll(LINE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
          throw new AssertionError("etcdctl watch printed " + out + " then nothing for " + LINE_WAIT
              + " (expected " + n + " lines); alive=" + process.isAlive() + " stderr: " + stderrText());
        }
        out.add(line);
      }
      seen.addAll(out);
      return out;
    }

    void assertNoMoreLines() throws InterruptedException {
      String extra = lines.poll(1, TimeUnit.SECONDS);
      assertTrue(extra == null, "unexpected extra output after " + seen + ": " + extra);
    }

    private String stderrText() {
      try {
        return Files.readString(stderr);
      } catch (IOException e) {
        return "(unreadable: " + e + ")";
      }
    }

    @Override
    public void close() throws Exception {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(stderr);
    }
  }
}
