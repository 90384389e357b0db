package dev.hawser.orchestrator.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.KubeConfig;
import dev.hawser.orchestrator.proxy.ServiceProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The service proxy between a real API server and two demo servers standing in for a Service's endpoints. */
class ProxyIT {
    private static final String BACKEND_A = "127.24.0.2";
    private static final String BACKEND_B = "127.24.0.3";
    private static final String REFUSING = "127.24.0.4";
    private static final int TARGET_PORT = 18080;

    @TempDir
    static Path dir;
    static ControlPlane plane;
    static ApiClient api;
    static ServiceProxy proxy;
    static final List<Process> backends = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        plane = ControlPlane.start(1, dir);
        String server = plane.startApiServer();
        try (InputStream ca = Files.newInputStream(plane.pki().resolve("ca.crt"))) {
            api = new ApiClient(URI.create(server), ControlPlane.ADMIN_TOKEN, KubeConfig.trusting(ca));
        }
        Path demo = DemoApp.compile(dir);
        for (String[] b : new String[][]{{BACKEND_A, "backend-a"}, {BACKEND_B, "backend-b"}}) {
            ProcessBuilder pb = new ProcessBuilder(DemoApp.command(demo)).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(b[1] + ".log").toFile());
            pb.environment().put("POD_IP", b[0]);
            pb.environment().put("PORT", Integer.toString(TARGET_PORT));
            pb.environment().put("POD_NAME", b[1]);
            backends.add(pb.start());
        }
        proxy = new ServiceProxy(api).start();
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backends.forEach(Process::destroy);
        if (plane != null) {
            plane.close();
        }
    }

    @Test
    void connectionsAlternateBetweenReadyEndpointsAndSkipARefusingOne() throws Exception {
        int port = 20000 + ThreadLocalRandom.current().nextInt(20000); // other test runs on this machine allocate the same cluster IPs
        ObjectNode svc = (ObjectNode) Json.MAPPER.readTree("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                 "spec": {"selector": {"app": "web"}, "ports": [{"port": %d, "targetPort": %d}]}}""".formatted(port, TARGET_PORT));
        String clusterIp = api.create(ResourceTypes.SERVICES, "default", svc).path("spec").path("clusterIP").asText();
        api.create(ResourceTypes.ENDPOINTS, "default", endpoints(List.of(BACKEND_A, BACKEND_B)));
        AgentIT.await("both backends answer through the proxy", () -> {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                String body = DemoApp.get(clusterIp, port, "/");
                if (body != null) {
                    seen.add(body);
                }
            }
            return seen.size() == 2;
        });

        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(DemoApp.get(clusterIp, port, "/"));
        }
        for (int i = 1; i < answers.size(); i++) {
            assertNotNull(answers.get(i));
            assertNotEquals(answers.get(i - 1), answers.get(i), "round-robin alternates: " + answers);
        }

        ObjectNode current = api.get(ResourceTypes.ENDPOINTS, "default", "web").orElseThrow();
        ObjectNode withDead = endpoints(List.of(BACKEND_A, REFUSING, BACKEND_B));
        withDead.with("metadata").put("resourceVersion", current.path("metadata").path("resourceVersion").asText());
        api.update(ResourceTypes.ENDPOINTS, withDead);
        AgentIT.await("the proxy sees three endpoints", () -> {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 9; i++) {
                String body = DemoApp.get(clusterIp, port, "/");
                if (body == null) {
                    return false;
                }
                seen.add(body);
            }
            return seen.size() == 2;
        });
        Set<String> bodies = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            String body = DemoApp.get(clusterIp, port, "/");
            assertNotNull(body, "a refused endpoint is skipped, not surfaced to the client");
            bodies.add(body.trim());
        }
        assertEquals(Set.of("hello from backend-a version 1", "hello from backend-b version 1"), bodies);
    }

    private static ObjectNode endpoints(List<String> ips) {
        ObjectNode ep = Json.object().put("apiVersion", "v1").put("kind", "Endpoints");
        ep.putObject("metadata").put("name", "web").put("namespace", "default");
        ObjectNode subset = ep.putArray("subsets").addObject();
        ips.forEach(ip -> subset.withArray("addresses").addObject().put("ip", ip));
        subset.putArray("ports").addObject().put("port", TARGET_PORT).put("protocol", "TCP");
        return ep;
    }
}
