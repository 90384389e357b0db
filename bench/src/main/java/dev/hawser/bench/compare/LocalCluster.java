package dev.hawser.bench.compare;

import dev.hawser.bench.BenchException;
import dev.hawser.bench.load.Connections;
import dev.hawser.bench.load.Endpoint;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A 3-member cluster on loopback, each member its own process started with etcd's flags: {@code etcd} itself, or
 * a Hawser store JVM. Data and logs go under one directory; {@link #close()} stops every member (SIGTERM, then
 * SIGKILL after 20 s). A JVM shutdown hook kills members left running by an aborted run.
 */
public final class LocalCluster implements AutoCloseable {
    /** The command line of a member before its etcd-style flags, given the member's name. */
    @FunctionalInterface
    public interface Launcher {
        List<String> prefix(String memberName);
    }

    private record Member(String name, int clientPort, int peerPort, int metricsPort, Path dataDir, Path log) {
        String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    private final String label;
    private final List<Member> members;
    private final List<Process> processes = new ArrayList<>();

    private LocalCluster(String label, List<Member> members) {
        this.label = label;
        this.members = members;
    }

    /**
     * Starts {@code size} members with ports {@code basePort, basePort+1, ...} (client, peer, metrics per member)
     * and data under {@code dir}.
     */
    public static LocalCluster start(String label, Launcher launcher, Path dir, int basePort, int size) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String name = label.charAt(0) + Integer.toString(i + 1);
            int p = basePort + 3 * i;
            for (int port : new int[] {p, p + 1, p + 2}) {
                if (!isFree(port)) {
                    throw new BenchException("port " + port + " on 127.0.0.1 is in use; pick another --base-port");
                }
            }
            members.add(new Member(name, p, p + 1, p + 2, dir.resolve(name + ".data"), dir.resolve(name + ".log")));
        }
        StringBuilder initial = new StringBuilder();
        for (Member m : members) {
            initial.append(initial.length() == 0 ? "" : ",").append(m.name()).append('=').append(m.peerUrl());
        }
        LocalCluster cluster = new LocalCluster(label, members);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> cluster.processes.forEach(Process::destroyForcibly)));
        try {
            Files.createDirectories(dir);
            for (Member m : members) {
                List<String> cmd = new ArrayList<>(launcher.prefix(m.name()));
                cmd.addAll(List.of(
                        "--name", m.name(),
                        "--data-dir", m.dataDir().toString(),
                        "--listen-client-urls", m.clientUrl(),
                        "--advertise-client-urls", m.clientUrl(),
                        "--listen-peer-urls", m.peerUrl(),
                        "--initial-advertise-peer-urls", m.peerUrl(),
                        "--listen-metrics-urls", "http://127.0.0.1:" + m.metricsPort(),
                        "--initial-cluster", initial.toString(),
                        "--initial-cluster-token", label + "-bench",
                        "--initial-cluster-state", "new"));
                Files.writeString(m.log(), String.join(" ", cmd) + "\n");
                cluster.processes.add(new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log().toFile()))
                        .redirectInput(new File("/dev/null"))
                        .start());
            }
        } catch (IOException e) {
            cluster.close();
            throw new BenchException("cannot start " + label + ": " + e.getMessage(), e);
        }
        return cluster;
    }

    public List<String> endpoints() {
        return members.stream().map(Member::clientUrl).toList();
    }

    public List<Endpoint> parsedEndpoints() {
        return endpoints().stream().map(Endpoint::parse).toList();
    }

    public List<Long> pids() {
        return processes.stream().map(Process::pid).toList();
    }

    /** Waits until every member answers Status and knows a leader. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < processes.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    throw new BenchException(label + " member " + members.get(i).name() + " exited; see "
                            + members.get(i).log());
                }
            }
            try {
                boolean all = true;
                for (Endpoint e : parsedEndpoints()) {
                    all &= Connections.status(e, Duration.ofSeconds(2)).getLeader() != 0;
                }
                if (all) {
                    return;
                }
                last = "no leader yet";
            } catch (BenchException e) {
                last = e.getMessage();
            }
            Thread.sleep(250);
        }
        throw new BenchException(label + " not ready after " + timeout.toSeconds() + " s: " + last
                + " (logs in " + members.get(0).log().getParent() + ")");
    }

    /** What the members have used so far (see {@link Usage}). */
    public Usage usage() {
        return Usage.of(processes);
    }

    /** Sum of the members' resident memory in MB (Linux /proc), or -1 if unknown. */
    public long rssMegabytes() {
        long kb = 0;
        for (Process p : processes) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        kb += Long.parseLong(line.replaceAll("\\D", ""));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
        }
        return kb / 1024;
    }

    @Override
    public void close() {
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
