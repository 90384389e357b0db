package dev.hawser.bench;

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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A single-member Hawser store as its own JVM on loopback ports in 20000-30000, started from the test class path
 * (which holds hawser-kvstore and its dependencies) less this module's classes. Killed on close.
 */
final class HawserNode implements AutoCloseable {
    private final Process process;
    private final int clientPort;
    private final Path log;

    private HawserNode(Process process, int clientPort, Path log) {
        this.process = process;
        this.clientPort = clientPort;
        this.log = log;
    }

    static HawserNode start(Path dir) throws IOException {
        int client = freePort();
        int peer = freePort();
        int metrics = freePort();
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.endsWith("test-classes") && !e.contains("bench" + File.separator + "target"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", cp, "dev.hawser.kvstore.cli.Main", "store",
                "--name", "b1",
                "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", "http://127.0.0.1:" + client,
                "--advertise-client-urls", "http://127.0.0.1:" + client,
                "--listen-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--listen-metrics-urls", "http://127.0.0.1:" + metrics,
                "--initial-cluster", "b1=http://127.0.0.1:" + peer,
                "--initial-cluster-token", "bench-it"));
        Path log = dir.resolve("node.log");
        Files.createDirectories(dir);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new HawserNode(p, client, log);
    }

    String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    /** Waits until the member answers Status with a leader. */
    void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node exited:\n" + Files.readString(log));
            }
            try {
                if (Connections.status(Endpoint.parse(endpoint()), Duration.ofSeconds(2)).getLeader() != 0) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("node not ready: " + last + "\n" + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        for (int i = 0; i < 200; i++) {
            int port = 20000 + ThreadLocalRandom.current().nextInt(10000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port in 20000-30000");
    }
}
