package dev.hawser.kvstore.it;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One store node running as its own JVM process on loopback ports, with a real RocksDB data dir.
 *
 * <p>The node keeps its name, ports and data dir across {@link #kill9()}/{@link #stop()} and
 * {@link #start()}, so a restart is the same member coming back. Output of every incarnation is
 * appended to one log file. Every process started here is also killed by a JVM shutdown hook, so
 * an aborted test run leaves no nodes behind.
 *
 * <p>The system property {@code hawser.it.server=etcd} runs {@code etcd} (3.4, same flags) instead
 * of Hawser; that is how the tests themselves are checked against the reference implementation.
 */
final class StoreNode {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> LIVE.forEach(Process::destroyForcibly), "kill-store-nodes"));
  }

  private final String name;
  private final Path dataDir;
  private final Path logFile;
  private final int clientPort = PortAllocator.next();
  private final int peerPort = PortAllocator.next();
  private final int metricsPort = PortAllocator.next();
  private final String clusterToken;
  private final List<String> extraArgs;
  private String initialCluster;
  private String initialClusterState = "new";
  private Process process;
  private boolean paused;
  private boolean meantToRun;

  StoreNode(String name, Path dataDir, Path logFile, String clusterToken, List<String> extraArgs) {
    this.name = name;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.clusterToken = clusterToken;
    this.extraArgs = List.copyOf(extraArgs);
    this.initialCluster = name + "=" + peerUrl();
  }

  String name() {
    return name;
  }

  /** The client URL, as etcdctl and jetcd take it. */
  String endpoint() {
    return (extraArgs.contains("--cert-file") ? "https" : "http") + "://127.0.0.1:" + clientPort;
  }

  int clientPort() {
    return clientPort;
  }

  /** The peer URL: https:// when the node runs with peer TLS ({@code --peer-cert-file}). */
  String peerUrl() {
    return (extraArgs.contains("--peer-cert-file") ? "https" : "http") + "://127.0.0.1:" + peerPort;
  }

  String metricsUrl() {
    return "http://127.0.0.1:" + metricsPort;
  }

  Path dataDir() {
    return dataDir;
  }

  Path logFile() {
    return logFile;
  }

  /** "existing" makes the next start join a running cluster (after {@code member add}), as with etcd. */
  void initialClusterState(String state) {
    this.initialClusterState = state;
  }

  void initialCluster(String initialCluster) {
    this.initialCluster = initialCluster;
  }

  synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  synchronized boolean isPaused() {
    return paused;
  }

  synchronized long pid() {
    requireRunning();
    return process.pid();
  }

  /** Starts the node; with an existing data dir this is a restart of the same member. */
  synchronized void start() {
    if (isRunning()) {
      throw new IllegalStateException(name + " is already running");
    }
    List<String> command = new ArrayList<>(ServerCommand.prefix());
    command.addAll(List.of(
        "--name", name,
        "--data-dir", dataDir.toString(),
        "--listen-client-urls", endpoint(),
        "--advertise-client-urls", endpoint(),
        "--listen-peer-urls", peerUrl(),
        "--initial-advertise-peer-urls", peerUrl(),
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", initialClusterState,
        "--initial-cluster-token", clusterToken,
        "--listen-metrics-urls", metricsUrl()));
    command.addAll(extraArgs);
    try {
      Files.createDirectories(logFile.getParent());
      Files.writeString(logFile, "=== " + Instant.now() + " starting: " + printable(command) + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(Redirect.appendTo(logFile.toFile()))
          .redirectInput(Redirect.from(new java.io.File("/dev/null")))
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + command, e);
    }
    paused = false;
    meantToRun = true;
    LIVE.add(process);
  }

  /** True when the node was started and its process has gone without a kill or stop from here. */
  synchronized boolean exitedUnexpectedly() {
    return meantToRun && process != null && !process.isAlive();
  }

  /** The exit code of the last incarnation, or null while it runs or before the first start. */
  synchronized Integer exitCode() {
    return process == null || process.isAlive() ? null : process.exitValue();
  }

  /** SIGKILL: no shutdown hooks, no flush; waits until the process is gone. */
  synchronized void kill9() {
    meantToRun = false;
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    awaitExit(30);
  }

  /** SIGTERM (a clean shutdown), then SIGKILL if the node has not exited after 20 s. */
  synchronized void stop() {
    meantToRun = false;
    if (!isRunning()) {
      return;
    }
    if (paused) {
      resume();
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    awaitExit(30);
  }

  /** SIGSTOP: the process stays but neither answers nor sends anything until {@link #resume()}. */
  synchronized void pause() {
    requireRunning();
    signal("-STOP");
    paused = true;
  }

  /** SIGCONT after {@link #pause()}. */
  synchronized void resume() {
    requireRunning();
    signal("-CONT");
    paused = false;
  }

  /** The last lines of the node's log, for failure messages. */
  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public String toString() {
    return name + "(" + endpoint() + ")";
  }

  /** The command line with the classpath shortened, for the log. */
  private static String printable(List<String> command) {
    List<String> shown = new ArrayList<>(command);
    int cp = shown.indexOf("-cp");
    if (cp >= 0 && cp + 1 < shown.size()) {
      shown.set(cp + 1, "<" + shown.get(cp + 1).split(java.io.File.pathSeparator).length + " classpath entries>");
    }
    return String.join(" ", shown);
  }

  private void requireRunning() {
    if (!isRunning()) {
      throw new IllegalStateException(name + " is not running");
    }
  }

  private void awaitExit(int seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " (pid " + process.pid() + ") did not exit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + name + " to exit", e);
    }
    LIVE.remove(process);
    paused = false;
  }

  private void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid()))
          .redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("kill " + signal + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
