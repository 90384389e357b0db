package dev.hawser.kvstore.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
import java.util.concurrent.Callable;

/**
 * {@code hawser up}: a local 3-member cluster on loopback, each member its own process,
 * data under one folder. Ctrl-C stops them all.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a local 3-member cluster on loopback and keep it running until Ctrl-C.")
final class UpCommand implements Callable<Integer> {
    /** etcd's local-cluster convention: the first member on the default port, so plain `etcdctl` finds it. */
    private static final int[] CLIENT_PORTS = {2379, 22379, 12379};

    @Option(names = "--data-dir", defaultValue = ".hawser", description = "Folder for all members' data and logs.")
    Path dataDir;

    @Option(names = "--members", defaultValue = "3", description = "Number of members (1 to 3).")
    int members;

    @Override
    public Integer call() throws Exception {
        if (members < 1 || members > CLIENT_PORTS.length) {
            throw new IllegalArgumentException("--members must be between 1 and " + CLIENT_PORTS.length);
        }
        Files.createDirectories(dataDir.resolve("logs"));
        StringBuilder cluster = new StringBuilder();
        for (int i = 0; i < members; i++) {
            cluster.append(i == 0 ? "" : ",").append(name(i)).append("=http://127.0.0.1:").append(CLIENT_PORTS[i] + 1);
        }
        List<Process> procs = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAll(procs), "stop-members"));
        for (int i = 0; i < members; i++) {
            procs.add(startMember(i, cluster.toString()));
        }
        String endpoints = String.join(",", endpoints());
        System.out.println("Hawser: " + members + " members starting; logs in " + dataDir.resolve("logs"));
        awaitHealthy(procs);
        System.out.println();
        System.out.println("  endpoints: " + endpoints);
        System.out.println("  try:       ETCDCTL_API=3 etcdctl --endpoints=" + endpoints + " put hello world");
        System.out.println("             ETCDCTL_API=3 etcdctl --endpoints=" + endpoints + " endpoint status -w table");
        System.out.println();
        System.out.println("Press Ctrl-C to stop.");
        for (Process p : procs) {
            int code = p.waitFor();
            if (code != 0 && code != 143) {
                System.err.println("hawser: a member exited with code " + code + "; see " + dataDir.resolve("logs"));
                return 1;
            }
        }
        return 0;
    }

    private List<String> endpoints() {
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
        List<String> cmd = List.of(java, "-Xmx512m", "-Dlogback.configurationFile=logback-json.xml",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "store",
                "--name", name(i),
                "--data-dir", dataDir.resolve(name(i)).toString(),
                "--listen-client-urls", "http://127.0.0.1:" + client,
                "--advertise-client-urls", "http://127.0.0.1:" + client,
                "--listen-peer-urls", "http://127.0.0.1:" + (client + 1),
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + (client + 1),
                "--listen-metrics-urls", "http://127.0.0.1:" + (client + 2),
                "--initial-cluster", cluster,
                "--initial-cluster-token", "hawser-local");
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
