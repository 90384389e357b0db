package dev.hawser.kvstore.it;

import dev.hawser.proto.etcdserverpb.MaintenanceGrpc;
import dev.hawser.proto.etcdserverpb.StatusRequest;
import dev.hawser.proto.etcdserverpb.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A cluster of {@link StoreNode}s on loopback, with data under {@code target/it-data/<test>/} and
 * logs under {@code target/it-logs/<test>/}. Closing it kills every node and deletes the data
 * (set {@code -Dhawser.it.keepData=true} to keep it); logs stay for inspection.
 */
final class StoreCluster implements AutoCloseable {
  private final String testName;
  private final List<StoreNode> nodes;
  private final Path dataRoot;
  private final Path logRoot;
  private final String token;
  private String initialCluster;
  private final Map<StoreNode, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private StoreCluster(String testName, List<List<String>> nodeArgs) {
    this.testName = testName;
    Path target = moduleDir().resolve("target");
    this.dataRoot = target.resolve("it-data").resolve(testName);
    this.logRoot = target.resolve("it-logs").resolve(testName);
    this.token = testName + "-" + UUID.randomUUID().toString().substring(0, 8);
    deleteRecursively(dataRoot);
    deleteRecursively(logRoot);
    List<StoreNode> created = new ArrayList<>();
    for (int i = 1; i <= nodeArgs.size(); i++) {
      String name = "n" + i;
      created.add(new StoreNode(name, dataRoot.resolve(name), logRoot.resolve(name + ".log"), token, nodeArgs.get(i - 1)));
    }
    this.initialCluster = created.stream()
        .map(n -> n.name() + "=" + n.peerUrl())
        .collect(Collectors.joining(","));
    created.forEach(n -> n.initialCluster(initialCluster));
    this.nodes = new CopyOnWriteArrayList<>(created);
  }

  /** A cluster of {@code size} nodes; {@code nodeArgs} are appended to every node's flags. */
  static StoreCluster of(String testName, int size, String... nodeArgs) {
    return new StoreCluster(testName, Collections.nCopies(size, List.of(nodeArgs)));
  }

  /** A cluster with one node per entry of {@code nodeArgs}, each entry appended to that node's flags. */
  static StoreCluster of(String testName, List<List<String>> nodeArgs) {
    return new StoreCluster(testName, nodeArgs);
  }

  /**
   * A node that joins the running cluster ({@code --initial-cluster-state existing}) with its own flags, once
   * {@code member add} recorded its {@link StoreNode#peerUrl()}; not started yet.
   */
  StoreNode addNode(String name, List<String> nodeArgs) {
    StoreNode node = new StoreNode(name, dataRoot.resolve(name), logRoot.resolve(name + ".log"), token, nodeArgs);
    initialCluster = initialCluster + "," + name + "=" + node.peerUrl();
    node.initialCluster(initialCluster);
    node.initialClusterState("existing");
    nodes.add(node);
    return node;
  }

  /** The --initial-cluster-token the nodes run with. */
  String token() {
    return token;
  }

  /** Starts every node that is not running. */
  StoreCluster start() {
    nodes.stream().filter(n -> !n.isRunning()).forEach(StoreNode::start);
    return this;
  }

  List<StoreNode> nodes() {
    return List.copyOf(nodes);
  }

  StoreNode node(int index) {
    return nodes.get(index);
  }

  /** All client URLs, comma-separated, as {@code --endpoints} takes them. */
  String endpoints() {
    return endpoints(n -> true);
  }

  String endpoints(Predicate<StoreNode> which) {
    return nodes.stream().filter(which).map(StoreNode::endpoint).collect(Collectors.joining(","));
  }

  String testName() {
    return testName;
  }

  /**
   * Waits until every running, non-paused node answers Maintenance.Status naming the same leader,
   * and that leader is one of those nodes.
   */
  StoreCluster awaitHealthy(Duration timeout) throws InterruptedException {
    awaitCondition(timeout, "a leader known to every running node", () -> {
      Map<StoreNode, StatusResponse> statuses = liveStatuses();
      Set<Long> leaders = new HashSet<>();
      Set<Long> members = new HashSet<>();
      statuses.values().forEach(s -> {
        leaders.add(s.getLeader());
        members.add(s.getHeader().getMemberId());
      });
      if (leaders.size() == 1 && !leaders.contains(0L) && members.containsAll(leaders)) {
        return true;
      }
      throw new IllegalStateException("leaders named: " + statuses.entrySet().stream()
          .map(e -> e.getKey().name() + "->" + Long.toHexString(e.getValue().getLeader()))
          .collect(Collectors.joining(", ")));
    });
    return this;
  }

  /** The node that Status says is the leader (leader == header.member_id), waiting up to 30 s. */
  StoreNode leader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = "no answer";
    while (System.nanoTime() - deadline < 0) {
      for (StoreNode node : liveNodes()) {
        try {
          StatusResponse status = status(node);
          if (status.getLeader() != 0 && status.getLeader() == status.getHeader().getMemberId()) {
            return node;
          }
          last = node.name() + " says leader=" + Long.toHexString(status.getLeader());
        } catch (RuntimeException e) {
          last = node.name() + ": " + e;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no leader within 30 s; last: " + last + "\n" + logTails());
  }

  /** Maintenance.Status of one node (local, no consensus), with a 5 s deadline. */
  StatusResponse status(StoreNode node) {
    ManagedChannel channel = channel(node);
    channel.resetConnectBackoff();
    return MaintenanceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance());
  }

  /** A plaintext gRPC channel to the node's client URL, kept until {@link #close()}. */
  ManagedChannel channel(StoreNode node) {
    return channels.computeIfAbsent(node, n -> ManagedChannelBuilder
        .forAddress("127.0.0.1", n.clientPort())
        .usePlaintext()
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .build());
  }

  /** GET on the node's metrics URL; returns status code and body. */
  HttpResponse<String> metricsGet(StoreNode node, String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(node.metricsUrl() + path))
        .timeout(Duration.ofSeconds(5)).GET().build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Waits until every running, non-paused node reports the same store revision in Status. */
  long awaitSameRevision(Duration timeout) throws InterruptedException {
    long[] revision = new long[1];
    awaitCondition(timeout, "the same revision on every running node", () -> {
      Set<Long> revisions = liveStatuses().values().stream()
          .map(s -> s.getHeader().getRevision())
          .collect(Collectors.toSet());
      if (revisions.size() == 1) {
        revision[0] = revisions.iterator().next();
        return true;
      }
      return false;
    });
    return revision[0];
  }

  /** Status of every running, non-paused node; throws if one does not answer. */
  Map<StoreNode, StatusResponse> liveStatuses() {
    Map<StoreNode, StatusResponse> statuses = new LinkedHashMap<>();
    for (StoreNode node : liveNodes()) {
      statuses.put(node, status(node));
    }
    return statuses;
  }

  List<StoreNode> liveNodes() {
    return nodes.stream().filter(n -> n.isRunning() && !n.isPaused()).toList();
  }

  /** The last lines of every node's log, for failure messages. */
  String logTails() {
    StringBuilder text = new StringBuilder();
    for (StoreNode node : nodes) {
      text.append("--- ").append(node.logFile()).append(" (tail) ---\n").append(node.logTail(25)).append('\n');
    }
    return text.toString();
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
    for (StoreNode node : nodes) {
      try {
        node.kill9();
      } catch (RuntimeException e) {
        System.err.println("cannot kill " + node + ": " + e);
      }
    }
    if (!Boolean.getBoolean("hawser.it.keepData")) {
      deleteRecursively(dataRoot);
    }
  }

  /** Polls {@code condition} every 200 ms; exceptions count as "not yet" and are reported. */
  void awaitCondition(Duration timeout, String what, CheckedCondition condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "never checked";
    while (true) {
      for (StoreNode node : nodes) {
        if (node.exitedUnexpectedly()) {
          throw new AssertionError(node + " exited with code " + node.exitCode() + " while waiting for "
              + what + "\n--- " + node.logFile() + " (tail) ---\n" + node.logTail(40));
        }
      }
      try {
        if (condition.holds()) {
          return;
        }
        last = "condition false";
      } catch (Exception e) {
        last = e.toString();
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what
            + "; last: " + last + "\n" + logTails());
      }
      Thread.sleep(200);
    }
  }

  @FunctionalInterface
  interface CheckedCondition {
    boolean holds() throws Exception;
  }

  static Path moduleDir() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
