package dev.hawser.orchestrator.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hawser.orchestrator.agent.AgentConfig;
import dev.hawser.orchestrator.agent.NodeAgent;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.proxy.ServiceProxy;
import dev.hawser.orchestrator.scheduler.Scheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.hawser.orchestrator.it.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything together, as {@code hawser up} runs it, with faults: a 3-member store (processes), the
 * API server, two controller managers as separate processes (one active by leader election), the
 * scheduler, two node agents running real processes, and the service proxy — driven by kubectl.
 */
class OrchestratorE2EIT {

    @TempDir
    static Path dir;
    static ControlPlane plane;
    static Kubectl kubectl;
    static ApiClient api;
    static final List<Process> controllerManagers = new ArrayList<>();
    static Scheduler scheduler;
    static NodeAgent agent1;
    static NodeAgent agent2;
    static ServiceProxy proxy;
    static Path demoClasses;

    @BeforeAll
    static void start() throws Exception {
        plane = ControlPlane.start(3, dir);
        String server = plane.startApiServer();
        kubectl = plane.kubectl(server, ControlPlane.ADMIN_TOKEN, "admin");
        api = plane.apiClient(server);
        Path kubeconfig = dir.resolve("kube").resolve("admin");
        for (int i = 1; i <= 2; i++) {
            controllerManagers.add(startControllerManager(kubeconfig, "cm-" + i));
        }
        scheduler = Scheduler.startWithInformers(api);
        agent1 = agent("node-1", "127.31.0.0/16");
        agent2 = agent("node-2", "127.32.0.0/16");
        proxy = new ServiceProxy(api).start();
        demoClasses = DemoApp.compile(dir);
    }

    private static NodeAgent agent(String name, String cidr) throws Exception {
        AgentConfig config = AgentConfig.defaults(name, "127.0.0.1", 0, cidr, dir.resolve(name))
                .withIntervals(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(1));
        return new NodeAgent(config, api).start();
    }

    private static Process startControllerManager(Path kubeconfig, String identity) throws Exception {
        StringBuilder cp = new StringBuilder();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.endsWith("test-classes")) {
                cp.append(cp.length() == 0 ? "" : File.pathSeparator).append(e);
            }
        }
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-XX:TieredStopAtLevel=1", "-cp", cp.toString(), "dev.hawser.orchestrator.cli.Main", "controller-manager",
                "--kubeconfig", kubeconfig.toString(), "--identity", identity,
                "--node-monitor-grace-period", "6s", "--pod-eviction-timeout", "3s")
                .redirectErrorStream(true).redirectOutput(dir.resolve(identity + ".log").toFile()).start();
    }

    @AfterAll
    static void stop() {
        controllerManagers.forEach(Process::destroyForcibly);
        for (AutoCloseable c : new AutoCloseable[]{proxy, agent1, agent2, scheduler, plane}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static String deployment(String version, int replicas) {
        StringBuilder command = new StringBuilder();
        for (String part : DemoApp.command(demoClasses)) {
            command.append(command.length() == 0 ? "" : ", ").append('"').append(part).append('"');
        }
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: demo}
                spec:
                  replicas: %d
                  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
                  selector: {matchLabels: {app: demo}}
                  template:
                    metadata: {labels: {app: demo}}
                    spec:
                      terminationGracePeriodSeconds: 5
                      containers:
                      - name: http
                        image: demo
                        command: [%s]
                        env: [{name: VERSION, value: "%s"}, {name: PORT, value: "8080"}]
                        ports: [{name: http, containerPort: 8080}]
                        readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: demo}
                spec:
                  selector: {app: demo}
                  ports: [{port: 18080, targetPort: http}]
                """.formatted(replicas, command, version);
    }

    @Test
    void aDeploymentServesThroughFailuresRollingUpdatesAndFailovers() throws Exception {
        kubectl.runWithInput(deployment("v1", 3), "apply", "-f", "-").ok();
        rolloutStatus();
        Set<String> nodes = new HashSet<>(pods().path("items").findValuesAsText("nodeName"));
        assertEquals(Set.of("node-1", "node-2"), nodes, "replicas spread over both agents");
        String clusterIp = kubectl.json("get", "svc", "demo", "-o", "json").path("spec").path("clusterIP").asText();
        Set<String> answeredBy = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            String body = DemoApp.get(clusterIp, 18080, "/");
            assertTrue(body != null && body.contains("version v1"), "through the proxy: " + body);
            answeredBy.add(body.trim());
        }
        assertTrue(answeredBy.size() >= 2, "balanced over replicas: " + answeredBy);

        // A killed container process is restarted by its agent.
        JsonNode victim = pods().path("items").get(0);
        String name = victim.path("metadata").path("name").asText();
        long pid = Long.parseLong(victim.path("status").path("containerStatuses").get(0).path("containerID").asText().replace("process://", ""));
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        await(() -> kubectl.json("get", "pod", name, "-o", "json").path("status").path("containerStatuses").get(0).path("restartCount").asInt() >= 1,
                "pod " + name + " restarted");

        // Rolling update: the Service never runs out of ready endpoints.
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicInteger fewest = new AtomicInteger(Integer.MAX_VALUE);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                api.get(ResourceTypes.ENDPOINTS, "default", "demo").ifPresent(ep -> {
                    int ready = 0;
                    for (JsonNode s : ep.path("subsets")) {
                        ready += s.path("addresses").size();
                    }
                    fewest.accumulateAndGet(ready, Math::min);
                });
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        kubectl.runWithInput(deployment("v2", 3), "apply", "-f", "-").ok();
        rolloutStatus();
        watching.set(false);
        watcher.join();
        assertTrue(fewest.get() >= 1, "ready endpoints during the rollout never dropped to " + fewest.get());
        await(() -> String.valueOf(DemoApp.get(clusterIp, 18080, "/")).contains("version v2"), "v2 serves");

        kubectl.run("rollout", "undo", "deployment/demo").ok();
        rolloutStatus();
        await(() -> String.valueOf(DemoApp.get(clusterIp, 18080, "/")).contains("version v1"), "v1 serves again");

        // The store loses its leader: the orchestrator carries on after the election.
        String leader = plane.store.leader().orElseThrow();
        plane.store.kill(leader);
        await(() -> kubectl.run("scale", "deployment/demo", "--replicas=0").exit() == 0, "scale accepted after the election");
        await(() -> pods().path("items").isEmpty(), "scaled to zero after the store failover");
        kubectl.run("scale", "deployment/demo", "--replicas=3").ok();
        rolloutStatus();

        // The active controller manager dies: the standby takes over.
        String holder = kubectl.json("get", "lease", "kube-controller-manager", "-n", "kube-system", "-o", "json")
                .path("spec").path("holderIdentity").asText();
        Process active = controllerManagers.get(holder.equals("cm-1") ? 0 : 1);
        active.destroyForcibly().waitFor();
        await(() -> kubectl.run("scale", "deployment/demo", "--replicas=2").exit() == 0, "scale accepted");
        await(() -> pods().path("items").size() == 2, "the standby controller manager scaled down");
        assertTrue(!kubectl.json("get", "lease", "kube-controller-manager", "-n", "kube-system", "-o", "json")
                .path("spec").path("holderIdentity").asText().equals(holder), "leadership moved");

        // An agent dies: its node goes NotReady and its pods come back on the other node.
        agent2.close();
        await(() -> kubectl.run("get", "node", "node-2").out().contains("Unknown"), "node-2 Unknown");
        await(() -> {
            JsonNode ps = pods();
            return ps.path("items").size() == 2 && ps.path("items").findValuesAsText("nodeName").stream().allMatch("node-1"::equals);
        }, "both replicas on node-1");
        rolloutStatus();
        assertTrue(String.valueOf(DemoApp.get(clusterIp, 18080, "/")).contains("version v1"));
    }

    private static void rolloutStatus() throws Exception {
        kubectl.run("rollout", "status", "deployment/demo", "--timeout=150s").ok();
    }

    private static JsonNode pods() {
        return kubectl.json("get", "pods", "-l", "app=demo", "-o", "json");
    }



}
