package dev.hawser.orchestrator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.agent.AgentConfig;
import dev.hawser.orchestrator.agent.NodeAgent;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.KubeConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node agent against a real 1-member store and API server, with real processes and the real
 * kubectl: a pod bound straight to the node runs, serves, logs, restarts after kill -9, and stops
 * gracefully on delete; probes restart it or take it out of Ready.
 */
class AgentIT {
    private static final String NODE = "agent-it-node";

    @TempDir
    static Path dir;
    static ControlPlane plane;
    static Kubectl kubectl;
    static ApiClient api;
    static NodeAgent agent;
    static Path demo;

    @BeforeAll
    static void start() throws Exception {
        plane = ControlPlane.start(1, dir);
        String server = plane.startApiServer();
        kubectl = plane.kubectl(server, ControlPlane.ADMIN_TOKEN, "admin");
        try (InputStream ca = Files.newInputStream(plane.pki().resolve("ca.crt"))) {
            api = new ApiClient(URI.create(server), ControlPlane.ADMIN_TOKEN, KubeConfig.trusting(ca));
        }
        demo = DemoApp.compile(dir);
        AgentConfig config = AgentConfig.defaults(NODE, "127.0.0.1", 0, "127.23.0.0/16", dir.resolve("agent"))
                .withIntervals(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(1));
        agent = new NodeAgent(config, api).start();
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (plane != null) {
            plane.close();
        }
    }

    @Test
    void registersTheNodeAndRenewsItsLease() throws Exception {
        JsonNode node = api.get(ResourceTypes.NODES, "", NODE).orElseThrow();
        assertEquals(agent.port(), node.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt());
        assertEquals("127.23.0.0/16", node.path("spec").path("podCIDR").asText());
        assertEquals("v1.32.0-hawser", node.path("status").path("nodeInfo").path("kubeletVersion").asText());
        String first = api.get(ResourceTypes.LEASES, "kube-node-lease", NODE).orElseThrow().path("spec").path("renewTime").asText();
        await("lease renewed", () -> !api.get(ResourceTypes.LEASES, "kube-node-lease", NODE).orElseThrow()
                .path("spec").path("renewTime").asText().equals(first));
    }

    @Test
    void demoPodRunsLogsRestartsAfterKillAndStopsGracefullyOnDelete() throws Exception {
        kubectl.runWithInput("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: web-config}
                data: {version: v7, GREETING: hi}
                """, "apply", "-f", "-").ok();
        kubectl.runWithInput(pod("web-1", """
                    command: %s
                    env:
                    - name: VERSION
                      valueFrom: {configMapKeyRef: {name: web-config, key: version}}
                    envFrom:
                    - configMapRef: {name: web-config}
                    readinessProbe:
                      httpGet: {path: /healthz, port: 8080}
                      periodSeconds: 1
                """.formatted(json(DemoApp.command(demo)))), "apply", "-f", "-").ok();
        JsonNode pod = awaitPod("web-1", p -> condition(p, "Ready"));
        assertEquals("Running", pod.path("status").path("phase").asText());
        String ip = pod.path("status").path("podIP").asText();
        assertTrue(ip.startsWith("127.23."), ip);
        assertEquals("hello from web-1 version v7\n", DemoApp.get(ip, 8080, "/"));

        String logs = kubectl.run("logs", "web-1").ok().out();
        assertTrue(logs.contains("listening on " + ip + ":8080"), logs);
        assertTrue(logs.contains("GET /"), logs);
        assertEquals(1, kubectl.run("logs", "web-1", "--tail=1").ok().out().lines().count());

        long pid = Long.parseLong(pod.path("status").path("containerStatuses").get(0).path("containerID").asText().replace("process://", ""));
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        pod = awaitPod("web-1", p -> restartCount(p) == 1 && condition(p, "Ready"));
        JsonNode last = pod.path("status").path("containerStatuses").get(0).path("lastState").path("terminated");
        assertEquals(137, last.path("exitCode").asInt());
        assertTrue(kubectl.run("logs", "web-1", "--previous").ok().out().contains("GET /"));

        Path followed = dir.resolve("follow.txt");
        Process follow = kubectl.background(followed, "logs", "-f", "web-1");
        await("follow shows the running instance", () -> Files.readString(followed).contains("listening on"));
        DemoApp.get(ip, 8080, "/followed");
        await("follow shows new lines", () -> Files.readString(followed).contains("GET /followed"));
        kubectl.run("delete", "pod", "web-1", "--wait=false").ok();
        await("pod deleted", () -> api.get(ResourceTypes.PODS, "default", "web-1").isEmpty());
        await("follow ended", () -> !follow.isAlive());
        assertTrue(Files.readString(followed).contains("received SIGTERM, shutting down"), Files.readString(followed));
        assertEquals(null, DemoApp.get(ip, 8080, "/"));
    }

    @Test
    void failingLivenessProbeRestartsTheContainer() throws Exception {
        kubectl.runWithInput(pod("live-1", """
                    command: [sleep, "1000"]
                    livenessProbe:
                      exec: {command: [sh, -c, "exit 1"]}
                      periodSeconds: 1
                      failureThreshold: 2
                """), "apply", "-f", "-").ok();
        JsonNode pod = awaitPod("live-1", p -> restartCount(p) >= 1);
        assertFalse(pod.path("status").path("containerStatuses").get(0).path("lastState").path("terminated").isMissingNode());
        kubectl.run("delete", "pod", "live-1", "--wait=false").ok();
    }

    @Test
    void failingReadinessProbeTakesThePodOutOfReady() throws Exception {
        Path flag = dir.resolve("ready-flag");
        Files.writeString(flag, "ok");
        kubectl.runWithInput(pod("ready-1", """
                    command: [sleep, "1000"]
                    readinessProbe:
                      exec: {command: [test, -f, %s]}
                      periodSeconds: 1
                      failureThreshold: 1
                """.formatted(flag)), "apply", "-f", "-").ok();
        awaitPod("ready-1", p -> condition(p, "Ready"));
        Files.delete(flag);
        JsonNode pod = awaitPod("ready-1", p -> !condition(p, "Ready") && "Running".equals(p.path("status").path("phase").asText()));
        assertFalse(pod.path("status").path("containerStatuses").get(0).path("ready").asBoolean());
        assertEquals(0, restartCount(pod));
        String table = kubectl.run("get", "pod", "ready-1").ok().out();
        assertTrue(table.contains("0/1"), table);
        kubectl.run("delete", "pod", "ready-1", "--wait=false").ok();
    }

    private static String pod(String name, String containerBody) {
        return """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  nodeName: %s
                  terminationGracePeriodSeconds: 5
                  containers:
                  - name: main
                    image: demo
                %s""".formatted(name, NODE, containerBody);
    }

    private static String json(List<String> list) {
        StringBuilder b = new StringBuilder("[");
        for (String s : list) {
            b.append(b.length() > 1 ? ", " : "").append('"').append(s).append('"');
        }
        return b.append(']').toString();
    }

    private static boolean condition(JsonNode pod, String type) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return "True".equals(c.path("status").asText());
            }
        }
        return false;
    }

    private static int restartCount(JsonNode pod) {
        return pod.path("status").path("containerStatuses").path(0).path("restartCount").asInt();
    }

    private static JsonNode awaitPod(String name, Predicate<JsonNode> done) throws Exception {
        ObjectNode[] last = new ObjectNode[1];
        try {
            await("pod " + name, () -> {
                last[0] = api.get(ResourceTypes.PODS, "default", name).orElse(null);
                return last[0] != null && done.test(last[0]);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen: " + last[0]);
        }
        return last[0];
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what);
    }
}
