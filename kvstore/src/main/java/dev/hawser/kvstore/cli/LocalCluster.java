package dev.hawser.kvstore.cli;


import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A local store cluster on loopback for {@code hawser up}: up to 3 members, each its own process,
 * data and logs under one folder, the first member on etcd's default port 2379 so plain
 * {@code etcdctl} finds it. Restarting with the same folder brings the same members back.
 */
public final class LocalCluster implements AutoCloseable {
    /** etcd's local-cluster convention: the first member on the default port, so plain `etcdctl` finds it. */
    private static final int[] CLIENT_PORTS = {2379, 22379, 12379};
    /**
     * JVM options of each local member. Three members share this machine's cores, so the serial collector:
     * with 100 writing clients on 2 cores the members spent 220-230 us of CPU per write under it against
     * 260-300 us under G1 (the default), whose concurrent threads and write barriers compete with the other
     * members for the same cores (README "Configuration").
     */
    public static final String MEMBER_JVM_OPTS = "-Xmx512m -XX:+UseSerialGC";

    private final Path dataDir;
    private final int members;
    private final List<Process> procs = new ArrayList<>();

    public LocalCluster(Path dataDir, int members) {
        if (members < 1 || members > CLIENT_PORTS.length) {
            throw new IllegalArgumentException("--members must be between 1 and " + CLIENT_PORTS.length);
        }
        this.dataDir = dataDir;
        this.members = members;
    }

    /** Starts the members and waits until each reports healthy. */
    public LocalCluster start() throws Exception {
        Files.createDirectories(dataDir.resolve("logs"));
        StringBuilder cluster = new StringBuilder();
        for (int i = 0; i < members; i++) {
            cluster.append(i == 0 ? "" : ",").append(name(i)).append("=http://127.0.0.1:").append(CLIENT_PORTS[i] + 1);
        }
        for (int i = 0; i < members; i++) {
            procs.add(startMember(i, cluster.toString()));
        }
        System.out.println("Hawser: " + members + " store members starting; logs in " + dataDir.resolve("logs"));
        awaitHealthy(procs);
        return this;
    }

    /** Blocks until a member exits; returns its exit code. */
    public int awaitExit() throws InterruptedException {
        while (true) {
            for (Process p : procs) {
                if (!p.isAlive()) {
                    return p.exitValue();
                }
            }
            Thread.sleep(500);
        }
    }

    @Override
    public void close() {
        stopAll(procs);
    }

    public Path logs() {
        return dataDir.resolve("logs");
    }

    public List<String> endpoints() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            out.add("http://127.0.0.1:" + CLIENT_PORTS[i]);
        }
        return out;
    }

    private static String name(int i) {
        return "n" + (i + 1);
    }

    private Process startMember(int i, String cluster) throws IOException {
        int client = CLIENT_PORTS[i];
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(List.of(MEMBER_JVM_OPTS.split(" ")));
        cmd.addAll(List.of("-Dlogback.configurationFile=logback-json.xml",
                "-cp", System.getProperty("java.class.path"), "dev.hawser.kvstore.cli.Main", "store",
                "--name", name(i),
                "--data-dir", dataDir.resolve(name(i)).toString(),
                "--listen-client-urls", "http://127.0.0.1:" + client,
                "--advertise-client-urls", "http://127.0.0.1:" + client,
                "--listen-peer-urls", "http://127.0.0.1:" + (client + 1),
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + (client + 1),
                "--listen-metrics-urls", "http://127.0.0.1:" + (client + 2),
                "--initial-cluster", cluster,
                "--initial-cluster-token", "hawser-local"));
        Path log = dataDir.resolve("logs").resolve(name(i) + ".log");
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private void awaitHealthy(List<Process> procs) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int i = 0; i < members; i++) {
            URI health = URI.create("http://127.0.0.1:" + (CLIENT_PORTS[i] + 2) + "/health");
            while (true) {
                if (!procs.get(i).isAlive()) {
                    throw new IllegalStateException("member " + name(i) + " exited; see " + dataDir.resolve("logs").resolve(name(i) + ".log"));
                }
                try {
                    if (http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        System.out.println("  " + name(i) + " healthy");
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("member " + name(i) + " not healthy after 60s; see its log");
                }
                Thread.sleep(200);
            }
        }
    }

    private static void stopAll(List<Process> procs) {
        procs.forEach(Process::destroy);
        for (Process p : procs) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
