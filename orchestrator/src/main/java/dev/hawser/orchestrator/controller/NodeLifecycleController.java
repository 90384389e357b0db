package dev.hawser.orchestrator.controller;

import dev.hawser.orchestrator.client.EventRecorder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.ReconcileLoop;
import dev.hawser.orchestrator.client.WorkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Notices lost nodes. Agents renew a Lease in kube-node-lease; a node whose lease has not moved for
 * the grace period (timed on this controller's clock from when it last saw it move) becomes Ready
 * Unknown with the unreachable NoExecute taint and its pods NotReady (so endpoints drop them); after
 * the eviction timeout its pods are deleted, and their ReplicaSets replace them on live nodes.
 */
public final class NodeLifecycleController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLifecycleController.class);
    static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    private static final Duration MONITOR_PERIOD = Duration.ofSeconds(2);

    private final ApiClient api;
    private final Informer nodes;
    private final Informer pods;
    private final EventRecorder events;
    private final Duration grace;
    private final Duration evictionTimeout;
    /** Node name -> (renewTime last seen, local time it was first seen). */
    private final Map<String, long[]> lastRenewal = new ConcurrentHashMap<>();
    private final Map<String, String> renewTimes = new ConcurrentHashMap<>();
    private final WorkQueue queue = new WorkQueue("node-lifecycle");
    private final ReconcileLoop loop;
    private final ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "node-monitor");
        t.setDaemon(true);
        return t;
    });

    public NodeLifecycleController(ApiClient api, Informer nodes, Informer nodeLeases, Informer pods, EventRecorder events,
                                   Duration grace, Duration evictionTimeout) {
        this.api = api;
        this.nodes = nodes;
        this.pods = pods;
        this.events = events;
        this.grace = grace;
        this.evictionTimeout = evictionTimeout;
        nodeLeases.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode lease) {
                renewed(lease);
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode lease) {
                renewed(lease);
            }
        });
        nodes.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode n) {
                queue.add(Meta.name(n));
            }

            @Override
            public void onDelete(ObjectNode n) {
                lastRenewal.remove(Meta.name(n));
                renewTimes.remove(Meta.name(n));
            }
        });
        this.loop = new ReconcileLoop("node-lifecycle", queue, this::reconcile, 1);
    }

    public void start() {
        loop.start();
        // Time passing is what makes a node stale, so the check runs on a clock, over the caches only.
        monitor.scheduleAtFixedRate(() -> nodes.list().forEach(n -> queue.add(Meta.name(n))),
                MONITOR_PERIOD.toMillis(), MONITOR_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void renewed(ObjectNode lease) {
        String node = Meta.name(lease);
        String renewTime = lease.path("spec").path("renewTime").asText("");
        if (!renewTime.equals(renewTimes.put(node, renewTime))) {
            lastRenewal.put(node, new long[]{System.nanoTime()});
            queue.add(node);
        }
    }

    void reconcile(String name) {
        ObjectNode node = nodes.get(name).orElse(null);
        if (node == null) {
            return;
        }
        long seen = lastRenewal.computeIfAbsent(name, k -> new long[]{System.nanoTime()})[0];
        Duration silent = Duration.ofNanos(System.nanoTime() - seen);
        boolean tainted = hasUnreachableTaint(node);
        if (silent.compareTo(grace) <= 0) {
            if (tainted) {
                setUnreachableTaint(node, false);
            }
            return;
        }
        if (!"Unknown".equals(readyStatus(node))) {
            LOG.info("node {} has not renewed its lease for {} s: marking it Unknown", name, silent.toSeconds());
            markUnknown(node);
            events.warning(node, "NodeNotReady", "Node " + name + " status is now: NodeNotReady");
        }
        if (!tainted) {
            setUnreachableTaint(node, true);
        }
        for (ObjectNode pod : pods.list(p -> name.equals(p.path("spec").path("nodeName").asText()))) {
            if (silent.compareTo(grace.plus(evictionTimeout)) > 0) {
                ObjectNode force = Json.object();
                force.put("kind", "DeleteOptions").put("apiVersion", "v1").put("gracePeriodSeconds", 0);
                api.delete(ResourceTypes.PODS, Meta.namespace(pod), Meta.name(pod), force);
                events.warning(pod, "NodeLost", "Deleting pod from lost node " + name);
            } else if (Pods.isReady(pod)) {
                markPodNotReady(pod);
            }
        }
    }

    private static String readyStatus(JsonNode node) {
        for (JsonNode c : node.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                return c.path("status").asText();
            }
        }
        return "";
    }

    private static boolean hasUnreachableTaint(JsonNode node) {
        for (JsonNode t : node.path("spec").path("taints")) {
            if (UNREACHABLE.equals(t.path("key").asText())) {
                return true;
            }
        }
        return false;
    }

    private void markUnknown(ObjectNode node) {
        ObjectNode copy = node.deepCopy();
        ArrayNode conditions = copy.with("status").withArray("conditions");
        ArrayNode next = Json.array();
        String now = Meta.now();
        boolean found = false;
        for (JsonNode c : conditions) {
            if ("Ready".equals(c.path("type").asText())) {
                ObjectNode u = c.deepCopy();
                u.put("status", "Unknown").put("reason", "NodeStatusUnknown").put("message", "Kubelet stopped posting node status.")
                        .put("lastTransitionTime", now);
                next.add(u);
                found = true;
            } else {
                next.add(c);
            }
        }
        if (!found) {
            next.addObject().put("type", "Ready").put("status", "Unknown").put("reason", "NodeStatusUnknown")
                    .put("message", "Kubelet never posted node status.").put("lastTransitionTime", now);
        }
        copy.with("status").set("conditions", next);
        api.updateStatus(ResourceTypes.NODES, copy);
    }

    private void setUnreachableTaint(ObjectNode node, boolean present) {
        ArrayNode taints = Json.array();
        node.path("spec").path("taints").forEach(t -> {
            if (!UNREACHABLE.equals(t.path("key").asText())) {
                taints.add(t);
            }
        });
        if (present) {
            taints.addObject().put("key", UNREACHABLE).put("effect", "NoExecute").put("timeAdded", Meta.now());
        }
        ObjectNode patch = Json.object();
        patch.putObject("spec").set("taints", taints);
        api.patch(ResourceTypes.NODES, "", Meta.name(node), null, "application/merge-patch+json", patch);
    }

    private void markPodNotReady(ObjectNode pod) {
        ObjectNode copy = pod.deepCopy();
        for (JsonNode c : copy.with("status").withArray("conditions")) {
            if ("Ready".equals(c.path("type").asText()) && c instanceof ObjectNode co) {
                co.put("status", "False").put("reason", "NodeLost").put("lastTransitionTime", Meta.now());
            }
        }
        api.updateStatus(ResourceTypes.PODS, copy);
    }

    @Override
    public void close() {
        monitor.shutdownNow();
        loop.close();
    }
}
