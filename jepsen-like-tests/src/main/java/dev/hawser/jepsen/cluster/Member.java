package dev.hawser.jepsen.cluster;

import java.io.File;
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
 * One store member as its own JVM. It listens for peers on {@code peerPort}, but advertises its
 * proxy's port, so every other member reaches it through the {@link PeerProxy}. Name, ports and
 * data dir survive kill and restart: a restart is the same member coming back.
 */
public final class Member {
    static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "kill-members"));
    }

    private final String name;
    private final int clientPort = Ports.next();
    private final int peerPort = Ports.next();
    private final int proxyPort = Ports.next();
    private final int metricsPort = Ports.next();
    private final Path dataDir;
    private final Path logFile;
    private final List<String> extraArgs;
    private String initialCluster;
    private String clusterState = "new";
    private String token;
    private Process process;
    /** The live process' pid, readable without the lock (the peer proxies ask while a stop holds it). */
    private volatile long pid = -1;
    private boolean paused;
    private volatile long memberId;

    Member(String name, Path baseDir, List<String> extraArgs) {
        this.name = name;
        this.dataDir = baseDir.resolve(name);
        this.logFile = baseDir.resolve(name + ".log");
        this.extraArgs = List.copyOf(extraArgs);
    }

    public String name() {
        return name;
    }

    public int clientPort() {
        return clientPort;
    }

    int peerPort() {
        return peerPort;
    }

    int proxyPort() {
        return proxyPort;
    }

    /** The URL everyone uses to reach this member's Raft port: its proxy. */
    public String advertisedPeerUrl() {
        return "http://127.0.0.1:" + proxyPort;
    }

    public String healthUrl() {
        return "http://127.0.0.1:" + metricsPort + "/health";
    }

    public Path logFile() {
        return logFile;
    }

    long memberId() {
        return memberId;
    }

    void memberId(long id) {
        this.memberId = id;
    }

    void configure(String initialCluster, String state, String token) {
        this.initialCluster = initialCluster;
        this.clusterState = state;
        this.token = token;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized boolean isPaused() {
        return paused;
    }

    public long pid() {
        return pid;
    }

    synchronized void start() {
        if (isRunning()) {
            return;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", nodeClasspath(),
                "dev.hawser.kvstore.cli.Main", "store",
                "--name", name, "--data-dir", dataDir.toString(),
                "--listen-client-urls", "http://127.0.0.1:" + clientPort,
                "--advertise-client-urls", "http://127.0.0.1:" + clientPort,
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", advertisedPeerUrl(),
                "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort,
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", clusterState,
                "--initial-cluster-token", token));
        cmd.addAll(extraArgs);
        try {
            Files.createDirectories(dataDir.getParent());
            Files.writeString(logFile, "=== " + Instant.now() + " start " + name + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(logFile.toFile()))
                    .redirectInput(Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name, e);
        }
        LIVE.add(process);
        pid = process.pid();
        paused = false;
    }

    /** SIGKILL, then wait for the process to be gone. */
    synchronized void kill9() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        await();
    }

    /** SIGTERM (clean shutdown), SIGKILL after 15 s. */
    synchronized void stop() {
        if (!isRunning()) {
            return;
        }
        if (paused) {
            resume();
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        await();
    }

    synchronized void pause() {
        if (isRunning() && !paused) {
            signal("-STOP");
            paused = true;
        }
    }

    synchronized void resume() {
        if (isRunning() && paused) {
            signal("-CONT");
            paused = false;
        }
    }

    void wipe() throws IOException {
        if (Files.exists(dataDir)) {
            try (var walk = Files.walk(dataDir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void await() {
        pid = -1;
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(process);
        paused = false;
    }

    private void signal(String sig) {
        try {
            Process k = new ProcessBuilder("kill", sig, Long.toString(process.pid())).redirectErrorStream(true).start();
            k.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("kill " + sig + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The JVM's classpath without test classes, so members run only what ships. */
    static String nodeClasspath() {
        StringBuilder b = new StringBuilder();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith("test-classes") || e.endsWith("test-classes/")) {
                continue;
            }
            if (b.length() > 0) {
                b.append(File.pathSeparator);
            }
            b.append(e);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return name + "(client " + clientPort + ")";
    }
}
