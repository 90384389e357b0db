package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.LeaseGrpc;
import dev.hawser.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.hawser.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.hawser.proto.v3lockpb.LockGrpc;
import dev.hawser.proto.v3lockpb.LockRequest;
import dev.hawser.proto.v3lockpb.LockResponse;
import dev.hawser.proto.v3lockpb.UnlockRequest;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v3lock and v3election services through jetcd (whose Lock and Election clients call them),
 * and etcdctl 3.4's lock and elect (client-side recipes over KV, Watch and Lease), on one 3-node
 * cluster. The two jetcd clients talk to different members, so waits also run on followers.
 */
class LockElectionIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static StoreCluster cluster;
  private static Client clientA;
  private static Client clientB;

  private final List<Process> processes = new ArrayList<>();
  @TempDir Path tempDir;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = StoreCluster.of("LockElectionIT", 3).start();
    cluster.awaitHealthy(Duration.ofSeconds(90));
    clientA = Client.builder().endpoints(cluster.node(0).endpoint()).build();
    clientB = Client.builder().endpoints(cluster.node(1).endpoint()).build();
    call(() -> clientA.getKVClient().put(bytes("warmup"), bytes("1")));
    call(() -> clientB.getKVClient().get(bytes("warmup")));
  }

  @AfterAll
  static void stopCluster() {
    for (Client c : new Client[] {clientA, clientB}) {
      if (c != null) {
        c.close();
      }
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @AfterEach
  void killProcesses() {
    processes.forEach(Process::destroyForcibly);
  }

  // ---- Lock through jetcd ----

  @Test
  void waitersAcquireInArrivalOrderOnlyAfterTheHolderUnlocks() throws Exception {
    ByteSequence name = bytes("fifo");
    Lock lockA = clientA.getLockClient();
    Lock lockB = clientB.getLockClient();
    long leaseA = grant(clientA, 60);
    long leaseB = grant(clientB, 60);
    long leaseC = grant(clientA, 60);

    io.etcd.jetcd.lock.LockResponse a = call(() -> lockA.lock(name, leaseA));
    assertEquals("fifo/" + Long.toHexString(leaseA), text(a.getKey()));
    CompletableFuture<io.etcd.jetcd.lock.LockResponse> b = lockB.lock(name, leaseB);
    awaitQueueLength("fifo/", 2);
    CompletableFuture<io.etcd.jetcd.lock.LockResponse> c = lockA.lock(name, leaseC);
    awaitQueueLength("fifo/", 3);
    assertFalse(b.isDone(), "B acquired while A holds the lock");
    assertFalse(c.isDone(), "C acquired while A holds the lock");

    call(() -> lockA.unlock(a.getKey()));
    io.etcd.jetcd.lock.LockResponse heldB = b.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertEquals("fifo/" + Long.toHexString(leaseB), text(heldB.getKey()));
    assertFalse(c.isDone(), "C, queued after B, acquired while B holds the lock");
    assertTrue(heldB.getHeader().getRevision() > a.getHeader().getRevision(), "fencing tokens grow");

    call(() -> lockB.unlock(heldB.getKey()));
    io.etcd.jetcd.lock.LockResponse heldC = c.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertTrue(heldC.getHeader().getRevision() > heldB.getHeader().getRevision(), "fencing tokens grow");
    call(() -> lockA.unlock(heldC.getKey()));
    awaitQueueLength("fifo/", 0);
  }

  @Test
  void concurrentLockersNeverOverlapAndSeeIncreasingFencingTokens() throws Exception {
    ByteSequence name = bytes("mutex");
    AtomicInteger inside = new AtomicInteger();
    List<String> violations = new CopyOnWriteArrayList<>();
    List<Long> tokens = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (Client client : List.of(clientA, clientB)) {
      long lease = grant(client, 60);
      workers.add(CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < 5; i++) {
            io.etcd.jetcd.lock.LockResponse held = call(() -> client.getLockClient().lock(name, lease));
            if (inside.incrementAndGet() != 1) {
              violations.add("two holders at revision " + held.getHeader().getRevision());
            }
            tokens.add(held.getHeader().getRevision());
            Thread.sleep(20);
            inside.decrementAndGet();
            call(() -> client.getLockClient().unlock(held.getKey()));
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertEquals(List.of(), violations);
    assertEquals(10, tokens.size());
    for (int i = 1; i < tokens.size(); i++) {
      assertTrue(tokens.get(i) > tokens.get(i - 1), "tokens in acquisition order: " + tokens);
    }
  }

  @Test
  void revokingTheHoldersLeaseHandsTheLockToTheWaiter() throws Exception {
    ByteSequence name = bytes("revoke");
    long leaseA = grant(clientA, 60);
    long leaseB = grant(clientB, 60);
    call(() -> clientA.getLockClient().lock(name, leaseA));
    CompletableFuture<io.etcd.jetcd.lock.LockResponse> b = clientB.getLockClient().lock(name, leaseB);
    awaitQueueLength("revoke/", 2);
    assertFalse(b.isDone());

    call(() -> clientA.getLeaseClient().revoke(leaseA));
    io.etcd.jetcd.lock.LockResponse heldB = b.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertEquals("revoke/" + Long.toHexString(leaseB), text(heldB.getKey()));
    call(() -> clientB.getLockClient().unlock(heldB.getKey()));
  }

  @Test
  void holderLosesTheLockWhenItsKeepAliveStopsAndTheLeaseExpires() throws Exception {
    ByteSequence name = bytes("expiry");
    long leaseA = grant(clientA, 3);
    long leaseB = grant(clientB, 60);
    CloseableClient keepAlive = clientA.getLeaseClient().keepAlive(leaseA, new StreamObserver<LeaseKeepAliveResponse>() {
      @Override
      public void onNext(LeaseKeepAliveResponse value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    CompletableFuture<io.etcd.jetcd.lock.LockResponse> b;
    try {
      call(() -> clientA.getLockClient().lock(name, leaseA));
      b = clientB.getLockClient().lock(name, leaseB);
      awaitQueueLength("expiry/", 2);
      Thread.sleep(4_000); // longer than the TTL: the keep-alive must keep the lock with A
      assertFalse(b.isDone(), "B acquired although A's lease was kept alive");
    } finally {
      keepAlive.close();
    }
    io.etcd.jetcd.lock.LockResponse heldB = b.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertEquals("expiry/" + Long.toHexString(leaseB), text(heldB.getKey()));
    assertEquals(1, queueLength("expiry/"), "A's key went with its lease");
    call(() -> clientB.getLockClient().unlock(heldB.getKey()));
  }

  // ---- Lock through the raw gRPC API: exact codes, texts and cleanup ----

  @Test
  void lockWithUnknownLeaseFailsWithLeaseNotFound() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> lockStub(0, 10)
        .lock(LockRequest.newBuilder().setName(utf8("unknown-lease")).setLease(0x7fff_0000_1234L).build()));
    assertEquals("etcdserver: requested lease not found", e.getStatus().getDescription());
    // etcd 3.4's wrapper gets the error back from its in-process client as a plain Go error, so
    // gRPC sends UNKNOWN with etcd's text; Hawser sends the text with the KV API's code.
    assertEquals(ServerCommand.isReferenceEtcd() ? Status.Code.UNKNOWN : Status.Code.NOT_FOUND,
        e.getStatus().getCode());
  }

  @Test
  void waiterWhoseLeaseExpiresWhileQueuedFailsWithSessionExpired() throws Exception {
    Assumptions.assumeFalse(ServerCommand.isReferenceEtcd(), "etcd 3.5+ behaviour; 3.4 has no re-check");
    long leaseA = grant(clientA, 60);
    long leaseB = grant(clientB, 3); // never kept alive
    io.etcd.jetcd.lock.LockResponse a = call(() -> clientA.getLockClient().lock(bytes("expired"), leaseA));
    ListenableFuture<LockResponse> b = LockGrpc.newFutureStub(cluster.channel(cluster.node(1)))
        .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
        .lock(LockRequest.newBuilder().setName(utf8("expired")).setLease(leaseB).build());
    awaitQueueLength("expired/", 2);
    awaitQueueLength("expired/", 1); // B's lease expired and took its key along

    call(() -> clientA.getLockClient().unlock(a.getKey()));
    ExecutionException e = assertThrows(ExecutionException.class, () -> b.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    Status status = Status.fromThrowable(e.getCause());
    assertEquals(Status.Code.UNKNOWN, status.getCode());
    assertEquals("mutex: session is expired", status.getDescription());
    assertEquals(0, queueLength("expired/"));
  }

  @Test
  void lockWithoutLeaseHoldsItUnderAFreshSixtySecondLease() throws Exception {
    LockResponse held = Retry.onTransient(WAIT, () -> lockStub(0, 10)
        .lock(LockRequest.newBuilder().setName(utf8("no-lease")).build()));
    String key = held.getKey().toStringUtf8();
    assertTrue(key.startsWith("no-lease/"), key);
    long lease = Long.parseLong(key.substring("no-lease/".length()), 16);
    LeaseTimeToLiveResponse ttl = LeaseGrpc.newBlockingStub(cluster.channel(cluster.node(2)))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build());
    assertEquals(60, ttl.getGrantedTTL());
    assertEquals(List.of(held.getKey()), ttl.getKeysList());
    assertEquals(1, queueLength("no-lease/"));
    lockStub(0, 10).unlock(UnlockRequest.newBuilder().setKey(held.getKey()).build());
    assertEquals(0, queueLength("no-lease/"));
  }

  @Test
  void waiterWhoseDeadlinePassesLeavesTheQueue() throws Exception {
    long leaseA = grant(clientA, 60);
    long leaseB = grant(clientB, 60);
    io.etcd.jetcd.lock.LockResponse a = call(() -> clientA.getLockClient().lock(bytes("deadline"), leaseA));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> lockStub(1, 2)
        .lock(LockRequest.newBuilder().setName(utf8("deadline")).setLease(leaseB).build()));
    // etcd may beat the client's own deadline with its ctx.Err() as a plain error (UNKNOWN).
    Status.Code code = e.getStatus().getCode();
    assertTrue(code == Status.Code.DEADLINE_EXCEEDED
        || (ServerCommand.isReferenceEtcd() && code == Status.Code.UNKNOWN), e.getStatus().toString());
    cluster.awaitCondition(WAIT, "the abandoned waiter's key to be deleted", () -> queueLength("deadline/") == 1);

    call(() -> clientA.getLockClient().unlock(a.getKey()));
    io.etcd.jetcd.lock.LockResponse b = call(() -> clientB.getLockClient().lock(bytes("deadline"), leaseB));
    call(() -> clientB.getLockClient().unlock(b.getKey()));
  }

  // ---- Election through jetcd ----

  @Test
  void electionHandsLeadershipToTheNextCandidateWhenTheLeaderResigns() throws Exception {
    ByteSequence name = bytes("election");
    Election first = clientA.getElectionClient();
    Election second = clientB.getElectionClient();
    long lease1 = grant(clientA, 60);
    long lease2 = grant(clientB, 60);

    ExecutionException none = assertThrows(ExecutionException.class,
        () -> first.leader(name).get(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertInstanceOf(NoLeaderException.class, none.getCause());

    List<String> observed = new CopyOnWriteArrayList<>();
    second.observe(name, new Election.Listener() {
      @Override
      public void onNext(LeaderResponse response) {
        observed.add(text(response.getKv().getValue()));
      }

      @Override
      public void onError(Throwable t) {
        observed.add("error: " + t);
      }

      @Override
      public void onCompleted() {
        observed.add("completed");
      }
    });

    CampaignResponse won1 = call(() -> first.campaign(name, lease1, bytes("one")));
    LeaderKey leader1 = won1.getLeader();
    assertEquals("election/" + Long.toHexString(lease1), text(leader1.getKey()));
    assertEquals(lease1, leader1.getLease());
    assertEquals("one", leaderValue(second, name));

    CompletableFuture<CampaignResponse> campaign2 = second.campaign(name, lease2, bytes("two"));
    awaitQueueLength("election/", 2);
    assertFalse(campaign2.isDone(), "the second candidate won while the first leads");

    call(() -> first.proclaim(leader1, bytes("one-b")));
    assertEquals("one-b", leaderValue(second, name));
    LeaderKey stale = new LeaderKey(leader1.getName(), leader1.getKey(), leader1.getRevision() + 1000, lease1);
    ExecutionException notLeader = assertThrows(ExecutionException.class,
        () -> first.proclaim(stale, bytes("x")).get(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertInstanceOf(NotLeaderException.class, notLeader.getCause());

    call(() -> first.resign(leader1));
    CampaignResponse won2 = campaign2.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertTrue(won2.getLeader().getRevision() > leader1.getRevision());
    assertEquals("two", leaderValue(first, name));
    cluster.awaitCondition(WAIT, "the observer to see every leader value",
        () -> observed.equals(List.of("one", "one-b", "two")));

    call(() -> second.resign(won2.getLeader()));
    ExecutionException gone = assertThrows(ExecutionException.class,
        () -> first.leader(name).get(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertInstanceOf(NoLeaderException.class, gone.getCause());
  }

  // ---- etcdctl 3.4: client-side recipes over KV, Watch and Lease ----

  @Test
  void etcdctlLockHoldersNeverOverlap() throws Exception {
    Etcdctl.forEndpoints(cluster.endpoints()); // skips or fails the test when etcdctl is missing
    Path markers = tempDir.resolve("markers");
    String script = "echo start $$ $ETCD_LOCK_REV >> " + markers + "; sleep 1; echo end $$ >> " + markers;
    List<Process> lockers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      lockers.add(etcdctl(cluster.node(i).endpoint(), "locker" + i,
          "lock", "ctl-lock", "--", "sh", "-c", script));
    }
    for (Process p : lockers) {
      assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "etcdctl lock did not finish");
      assertEquals(0, p.exitValue(), output("locker" + lockers.indexOf(p)));
    }
    List<String> lines = Files.readAllLines(markers);
    assertEquals(4, lines.size(), lines.toString());
    String[] first = lines.get(0).split(" ");
    String[] second = lines.get(2).split(" ");
    assertEquals(List.of("start", "end", "start", "end"),
        lines.stream().map(l -> l.split(" ")[0]).toList(), "critical sections overlap: " + lines);
    assertEquals(first[1], lines.get(1).split(" ")[1], lines.toString());
    assertEquals(second[1], lines.get(3).split(" ")[1], lines.toString());
    assertNotEquals(first[1], second[1]);
    assertTrue(Long.parseLong(second[2]) > Long.parseLong(first[2]), "ETCD_LOCK_REV grows: " + lines);
  }

  @Test
  void killedEtcdctlLockHolderReleasesTheLockWhenItsSessionExpires() throws Exception {
    Etcdctl.forEndpoints(cluster.endpoints());
    Process holder = etcdctl(cluster.node(0).endpoint(), "holder", "lock", "--ttl=3", "ctl-kill");
    cluster.awaitCondition(WAIT, "etcdctl to print the lock key it holds",
        () -> output("holder").startsWith("ctl-kill/"));
    Process waiter = etcdctl(cluster.node(1).endpoint(), "waiter",
        "lock", "--ttl=3", "ctl-kill", "--", "sh", "-c", "echo acquired");
    awaitQueueLength("ctl-kill/", 2);
    assertTrue(waiter.isAlive(), "the waiter got the lock while the holder had it: " + output("waiter"));

    holder.destroyForcibly().waitFor(); // SIGKILL: no unlock, the keep-alive just stops
    assertTrue(waiter.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the lock was not released");
    assertEquals(0, waiter.exitValue(), output("waiter"));
    assertEquals("acquired\n", output("waiter"));
    awaitQueueLength("ctl-kill/", 0);
  }

  @Test
  void etcdctlElectHandsLeadershipOverWhenTheLeaderResigns() throws Exception {
    Etcdctl.forEndpoints(cluster.endpoints());
    Process listener = etcdctl(cluster.node(2).endpoint(), "listener", "elect", "-l", "ctl-elect");
    Process first = etcdctl(cluster.node(0).endpoint(), "first", "elect", "ctl-elect", "p1");
    cluster.awaitCondition(WAIT, "the first candidate to be elected", () -> output("first").endsWith("\np1\n"));
    cluster.awaitCondition(WAIT, "the listener to see p1", () -> output("listener").endsWith("\np1\n"));

    Process second = etcdctl(cluster.node(1).endpoint(), "second", "elect", "ctl-elect", "p2");
    awaitQueueLength("ctl-elect/", 2);
    assertEquals("", output("second"), "the second candidate was elected while the first leads");

    first.destroy(); // SIGTERM: etcdctl resigns
    assertTrue(first.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
    cluster.awaitCondition(WAIT, "the second candidate to be elected", () -> output("second").endsWith("\np2\n"));
    cluster.awaitCondition(WAIT, "the listener to see p2", () -> output("listener").endsWith("\np2\n"));
    assertTrue(listener.isAlive());
    second.destroy();
    assertTrue(second.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
    awaitQueueLength("ctl-elect/", 0);
  }

  // ---- helpers ----

  private static long grant(Client client, long ttlSeconds) throws Exception {
    return call(() -> client.getLeaseClient().grant(ttlSeconds)).getID();
  }

  private static String leaderValue(Election election, ByteSequence name) throws Exception {
    return text(call(() -> election.leader(name)).getKv().getValue());
  }

  private static long queueLength(String prefix) throws Exception {
    return call(() -> clientA.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build())).getCount();
  }

  private static void awaitQueueLength(String prefix, long length) throws InterruptedException {
    cluster.awaitCondition(WAIT, length + " keys under " + prefix, () -> queueLength(prefix) == length);
  }

  private static LockGrpc.LockBlockingStub lockStub(int node, long deadlineSeconds) {
    return LockGrpc.newBlockingStub(cluster.channel(cluster.node(node)))
        .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS);
  }

  /** Starts etcdctl in the background; stdout goes to {@code <name>.out}, stderr to {@code <name>.err}. */
  private Process etcdctl(String endpoint, String name, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(etcdctlBinary(), "--endpoints=" + endpoint, "--dial-timeout=5s"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(tempDir.resolve(name + ".out").toFile())
        .redirectError(tempDir.resolve(name + ".err").toFile())
        .redirectInput(new File("/dev/null"));
    builder.environment().keySet().removeIf(key -> key.startsWith("ETCDCTL_"));
    builder.environment().put("ETCDCTL_API", "3");
    Process p = builder.start();
    processes.add(p);
    return p;
  }

  private String output(String name) throws IOException {
    Path out = tempDir.resolve(name + ".out");
    return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
  }

  private static String etcdctlBinary() {
    String configured = System.getProperty("hawser.it.etcdctl");
    if (configured != null) {
      return configured;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "etcdctl");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return "etcdctl";
  }

  private static <T> T call(Supplier<CompletableFuture<T>> request) throws Exception {
    return Retry.onTransient(WAIT, () -> request.get().get(15, TimeUnit.SECONDS));
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }

  private static String text(ByteSequence bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
