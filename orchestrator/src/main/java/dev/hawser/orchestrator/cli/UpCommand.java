package dev.hawser.orchestrator.cli;

import dev.hawser.kvstore.cli.LocalCluster;
import dev.hawser.kvstore.pki.DevPki;
import dev.hawser.orchestrator.agent.AgentConfig;
import dev.hawser.orchestrator.agent.NodeAgent;
import dev.hawser.orchestrator.apiserver.ApiServer;
import dev.hawser.orchestrator.apiserver.Authenticator;
import dev.hawser.orchestrator.apiserver.SecretEncryption;
import dev.hawser.orchestrator.apiserver.ServerTls;
import dev.hawser.orchestrator.apiserver.TokenAuthenticator;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.KubeConfig;
import dev.hawser.orchestrator.controller.ControllerManager;
import dev.hawser.orchestrator.proxy.ServiceProxy;
import dev.hawser.orchestrator.scheduler.Scheduler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code hawser up}: the whole thing on one machine. Three store members (separate processes, data
 * under --data-dir), and in this process: the API server (TLS, token auth), controller manager,
 * scheduler, two node agents and the service proxy. Writes a kubeconfig for kubectl. Ctrl-C stops all.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a local 3-member store, API server, controllers, scheduler, 2 node agents and the proxy; Ctrl-C stops them.")
public final class UpCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = ".hawser", description = "Folder for data, logs, certificates and the kubeconfig (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--members", defaultValue = "3", description = "Store members, 1 to 3 (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--store-only", description = "Start only the store members (an etcd-compatible cluster).")
    boolean storeOnly;

    @Option(names = "--api-port", defaultValue = "6443", description = "API server port (default: ${DEFAULT-VALUE}).")
    int apiPort;

    @Override
    public Integer call() throws Exception {
        Path dir = dataDir.toAbsolutePath();
        List<AutoCloseable> running = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (int i = running.size() - 1; i >= 0; i--) {
                try {
                    running.get(i).close();
                } catch (Exception ignored) {
                    // stopping everything anyway
                }
            }
        }, "hawser-down"));
        LocalCluster store = new LocalCluster(dir, members);
        running.add(store);
        store.start();
        String endpoints = String.join(",", store.endpoints());
        System.out.println("  store endpoints: " + endpoints);
        System.out.println("  try:             ETCDCTL_API=3 etcdctl --endpoints=" + endpoints + " endpoint status -w table");
        if (!storeOnly) {
            Path kubeconfig = startOrchestrator(dir, store.endpoints(), running);
            System.out.println();
            System.out.println("  kubeconfig:      " + kubeconfig);
            System.out.println("  try:             export KUBECONFIG=" + kubeconfig);
            System.out.println("                   kubectl get nodes -o wide");
            System.out.println("                   kubectl apply -f examples/demo.yaml && kubectl rollout status deploy/demo");
        }
        System.out.println();
        System.out.println("Press Ctrl-C to stop.");
        int code = store.awaitExit();
        System.err.println("hawser: a store member exited with code " + code + "; see " + store.logs());
        return 1;
    }

    private Path startOrchestrator(Path dir, List<String> endpoints, List<AutoCloseable> running) throws Exception {
        Path pki = dir.resolve("pki");
        Path tokens = pki.resolve("tokens.csv");
        if (!Files.exists(tokens)) {
            DevPki ca = DevPki.create("hawser-local-ca");
            ca.writeCa(pki);
            ca.server("apiserver", List.of("127.0.0.1", "localhost")).write(pki, "apiserver");
            byte[] secret = new byte[24];
            new SecureRandom().nextBytes(secret);
            Files.writeString(tokens, HexFormat.of().formatHex(secret) + ",admin,admin,\"system:masters\"\n", StandardCharsets.UTF_8);
        }
        String token = Files.readString(tokens).split(",")[0];
        Path encryptionKey = pki.resolve("encryption.key");
        if (!Files.exists(encryptionKey)) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.writeString(encryptionKey, "key1:" + java.util.Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.UTF_8);
        }
        ApiServer apiServer = new ApiServer(new ApiServer.Config("127.0.0.1", apiPort, endpoints, "/registry",
                new Authenticator(TokenAuthenticator.load(tokens), true),
                new ServerTls(pki.resolve("apiserver.crt"), pki.resolve("apiserver.key"), pki.resolve("ca.crt")), 8, null,
                SecretEncryption.load(encryptionKey)));
        apiServer.start();
        running.add(apiServer);
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - cluster:
                    server: https://127.0.0.1:%d
                    certificate-authority: %s
                  name: hawser
                contexts:
                - context:
                    cluster: hawser
                    user: admin
                  name: hawser
                current-context: hawser
                users:
                - name: admin
                  user:
                    token: %s
                """.formatted(apiServer.port(), pki.resolve("ca.crt"), token), StandardCharsets.UTF_8);
        ApiClient api = KubeConfig.load(kubeconfig);
        ControllerManager controllers = new ControllerManager(api, Duration.ofSeconds(40), Duration.ofSeconds(60));
        controllers.start();
        running.add(controllers);
        running.add(Scheduler.startWithInformers(api));
        for (int i = 1; i <= 2; i++) {
            AgentConfig config = AgentConfig.defaults("node-" + i, "127.0.0.1", 10249 + i, "127." + (9 + i) + ".0.0/16",
                    dir.resolve("agent-" + i)).withResources("2", "4Gi", 110);
            running.add(new NodeAgent(config, api).start());
        }
        running.add(new ServiceProxy(api).start());
        System.out.println("  API server:      https://127.0.0.1:" + apiServer.port() + " (2 nodes: node-1, node-2)");
        return kubeconfig;
    }
}
