package dev.hawser.orchestrator.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.LeaderElector;
import dev.hawser.orchestrator.controller.ControllerManager;
import dev.hawser.orchestrator.scheduler.Scheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.hawser.orchestrator.it.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real controller manager and scheduler on a real store and API server, driven with kubectl:
 * Deployments roll out through ReplicaSets, pods spread over nodes, rollout history/undo, scaling,
 * Endpoints, cascading deletion, lost nodes, unschedulable pods and leader election. Node agents are
 * stood in for (see {@link StandInNodes}); the agents have their own tests.
 */
class ControllersIT {
    private static final String APP = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 3
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: demo:1
                    ports:
                    - {containerPort: 8080, name: http}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector: {app: web}
              ports:
              - {port: 80, targetPort: http}
            """;

    @TempDir
    static Path dir;
    static ControlPlane plane;
    static Kubectl kubectl;
    static ApiClient api;
    static ControllerManager controllers;
    static Scheduler scheduler;
    static StandInNodes nodes;

    @BeforeAll
    static void start() throws Exception {
        plane = ControlPlane.start(1, dir);
        String server = plane.startApiServer();
        kubectl = plane.kubectl(server, ControlPlane.ADMIN_TOKEN, "admin");
        api = plane.apiClient(server);
        nodes = new StandInNodes(api);
        nodes.register("node-a");
        nodes.register("node-b");
        controllers = new ControllerManager(api, Duration.ofSeconds(4), Duration.ofSeconds(3));
        controllers.start();
        scheduler = Scheduler.startWithInformers(api);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{scheduler, controllers, nodes, plane}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void deploymentRollsOutRollsBackScalesAndIsDeletedWithEverythingItOwns() throws Exception {
        namespace("roll");
        kubectl.runWithInput(APP, "apply", "-n", "roll", "-f", "-").ok();
        kubectl.run("rollout", "status", "-n", "roll", "deployment/web", "--timeout=90s").ok();
        JsonNode pods = kubectl.json("get", "pods", "-n", "roll", "-o", "json");
        assertEquals(3, pods.path("items").size());
        Set<String> placed = new HashSet<>();
        pods.path("items").forEach(p -> placed.add(p.path("spec").path("nodeName").asText()));
        assertEquals(Set.of("node-a", "node-b"), placed, "replicas spread over both nodes");
        await(() -> kubectl.json("get", "endpoints", "web", "-n", "roll", "-o", "json").path("subsets").path(0).path("addresses").size() == 3,
                "3 ready addresses in the Service's Endpoints");
        assertEquals(8080, kubectl.json("get", "endpoints", "web", "-n", "roll", "-o", "json").path("subsets").path(0).path("ports").path(0).path("port").asInt());

        kubectl.runWithInput(APP.replace("demo:1", "demo:2"), "apply", "-n", "roll", "-f", "-").ok();
        kubectl.run("rollout", "status", "-n", "roll", "deployment/web", "--timeout=90s").ok();
        String history = kubectl.run("rollout", "history", "-n", "roll", "deployment/web").ok().out();
        assertTrue(history.contains("1 ") && history.contains("2 "), history);
        assertEquals(2, kubectl.json("get", "rs", "-n", "roll", "-o", "json").path("items").size());
        await(() -> kubectl.json("get", "pods", "-n", "roll", "-o", "json").path("items").findValuesAsText("image").stream().allMatch("demo:2"::equals)
                && kubectl.json("get", "pods", "-n", "roll", "-o", "json").path("items").size() == 3, "all pods run demo:2");

        kubectl.run("rollout", "undo", "-n", "roll", "deployment/web").ok();
        kubectl.run("rollout", "status", "-n", "roll", "deployment/web", "--timeout=90s").ok();
        JsonNode d = kubectl.json("get", "deploy", "web", "-n", "roll", "-o", "json");
        assertEquals("demo:1", d.path("spec").path("template").path("spec").path("containers").path(0).path("image").asText());
        assertEquals("3", d.path("metadata").path("annotations").path("deployment.kubernetes.io/revision").asText());
        assertEquals(2, kubectl.json("get", "rs", "-n", "roll", "-o", "json").path("items").size(), "undo reused the first ReplicaSet");

        kubectl.run("scale", "-n", "roll", "deployment/web", "--replicas=0").ok();
        await(() -> kubectl.json("get", "pods", "-n", "roll", "-o", "json").path("items").isEmpty(), "scaled to zero");
        kubectl.run("scale", "-n", "roll", "deployment/web", "--replicas=2").ok();
        kubectl.run("rollout", "status", "-n", "roll", "deployment/web", "--timeout=90s").ok();
        assertEquals(2, kubectl.json("get", "pods", "-n", "roll", "-o", "json").path("items").size());

        kubectl.run("delete", "-n", "roll", "deployment/web").ok();
        await(() -> kubectl.json("get", "rs,pods", "-n", "roll", "-o", "json").path("items").isEmpty(), "owned ReplicaSets and pods collected");
    }

    @Test
    void orphanDeletionKeepsThePods() throws Exception {
        namespace("orphan");
        kubectl.runWithInput(APP.replace("replicas: 3", "replicas: 1"), "apply", "-n", "orphan", "-f", "-").ok();
        kubectl.run("rollout", "status", "-n", "orphan", "deployment/web", "--timeout=90s").ok();
        kubectl.run("delete", "-n", "orphan", "deployment/web", "--cascade=orphan").ok();
        await(() -> kubectl.json("get", "rs", "-n", "orphan", "-o", "json").path("items").path(0).path("metadata").path("ownerReferences").isEmpty()
                && !kubectl.json("get", "rs", "-n", "orphan", "-o", "json").path("items").isEmpty(), "ReplicaSet kept, without its owner");
        assertEquals(1, kubectl.json("get", "pods", "-n", "orphan", "-o", "json").path("items").size());
    }

    @Test
    void deletingANamespaceDeletesEverythingInItFirst() throws Exception {
        namespace("doomed");
        kubectl.runWithInput(APP.replace("replicas: 3", "replicas: 2"), "apply", "-n", "doomed", "-f", "-").ok();
        kubectl.runWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n", "apply", "-n", "doomed", "-f", "-").ok();
        kubectl.run("rollout", "status", "-n", "doomed", "deployment/web", "--timeout=90s").ok();
        String out = kubectl.run("delete", "namespace", "doomed", "--timeout=120s").ok().out();
        assertTrue(out.contains("namespace \"doomed\" deleted"), out);
        assertEquals(1, kubectl.run("get", "namespace", "doomed").exit());
        assertTrue(ApiClient.items(api.list(ResourceTypes.PODS, "doomed", "")).isEmpty());
        assertTrue(ApiClient.items(api.list(ResourceTypes.CONFIGMAPS, "doomed", "")).isEmpty());
        assertTrue(ApiClient.items(api.list(ResourceTypes.REPLICASETS, "doomed", "")).isEmpty());
    }

    @Test
    void podThatFitsNowhereStaysPendingWithAReason() throws Exception {
        namespace("greedy");
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Pod
                metadata: {name: big}
                spec:
                  containers:
                  - name: c
                    image: x
                    resources: {requests: {cpu: "64"}}
                """, "apply", "-n", "greedy", "-f", "-").ok();
        await(() -> kubectl.run("get", "events", "-n", "greedy").out().contains("FailedScheduling"), "FailedScheduling event");
        String events = kubectl.run("get", "events", "-n", "greedy").ok().out();
        assertTrue(events.matches("(?s).*0/\\d nodes are available: .*2 Insufficient cpu.*"), events);
        assertEquals("Pending", kubectl.json("get", "pod", "big", "-n", "greedy", "-o", "json").path("status").path("phase").asText());
        String described = kubectl.run("describe", "pod", "big", "-n", "greedy").ok().out();
        assertTrue(described.contains("FailedScheduling"), described);
    }

    @Test
    void podsOfALostNodeAreReplacedOnTheOther() throws Exception {
        nodes.register("node-c");
        namespace("lost");
        kubectl.runWithInput(APP.replace("replicas: 3", "replicas: 4"), "apply", "-n", "lost", "-f", "-").ok();
        kubectl.run("rollout", "status", "-n", "lost", "deployment/web", "--timeout=90s").ok();
        await(() -> kubectl.json("get", "pods", "-n", "lost", "-o", "json").path("items").findValuesAsText("nodeName").contains("node-c"),
                "a pod on node-c");
        nodes.stop("node-c");
        await(() -> kubectl.run("get", "node", "node-c").out().contains("Unknown"), "node-c Unknown");
        await(() -> {
            JsonNode ps = kubectl.json("get", "pods", "-n", "lost", "-o", "json");
            return ps.path("items").size() == 4 && !ps.path("items").findValuesAsText("nodeName").contains("node-c");
        }, "4 pods, none on node-c");
        kubectl.run("rollout", "status", "-n", "lost", "deployment/web", "--timeout=90s").ok();
    }

    @Test
    void aStandbyTakesTheLeaseWhenTheLeaderStops() throws Exception {
        LeaderElector first = new LeaderElector(api, "kube-system", "test-lock", "first", Duration.ofSeconds(3), Duration.ofMillis(300));
        LeaderElector second = new LeaderElector(api, "kube-system", "test-lock", "second", Duration.ofSeconds(3), Duration.ofMillis(300));
        CountDownLatch firstLeads = new CountDownLatch(1);
        CountDownLatch secondLeads = new CountDownLatch(1);
        Thread a = new Thread(() -> run(first, firstLeads));
        a.start();
        assertTrue(firstLeads.await(20, TimeUnit.SECONDS));
        Thread b = new Thread(() -> run(second, secondLeads));
        b.start();
        assertFalse(secondLeads.await(4, TimeUnit.SECONDS), "no second leader while the first renews");
        a.interrupt();
        assertTrue(secondLeads.await(20, TimeUnit.SECONDS), "the standby took over");
        assertEquals("second", kubectl.json("get", "lease", "test-lock", "-n", "kube-system", "-o", "json").path("spec").path("holderIdentity").asText());
        b.interrupt();
    }

    private static void run(LeaderElector e, CountDownLatch leads) {
        try {
            e.run(leads::countDown);
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        }
    }

    private static void namespace(String name) throws Exception {
        kubectl.runWithInput("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n", "apply", "-f", "-").ok();
    }



}
