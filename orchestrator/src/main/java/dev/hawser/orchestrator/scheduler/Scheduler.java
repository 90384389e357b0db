package dev.hawser.orchestrator.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.ReconcileLoop;
import dev.hawser.orchestrator.client.RetryLater;
import dev.hawser.orchestrator.client.WorkQueue;
import dev.hawser.orchestrator.client.EventRecorder;
import dev.hawser.orchestrator.controller.Owners;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Places each unbound pod on a node: filters (node Ready and schedulable, taints tolerated,
 * nodeSelector, requests fit allocatable), scores (least allocated, plus spreading replicas of one
 * owner), and binds through pods/{name}/binding. A pod that fits nowhere stays Pending with a
 * FailedScheduling event and PodScheduled=False, and is retried when nodes change.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    static final String NAME = "default-scheduler";

    private final ApiClient api;
    private final Informer pods;
    private final Informer nodes;
    private final EventRecorder events;
    private final WorkQueue queue = new WorkQueue("scheduler", java.time.Duration.ofSeconds(10));
    /** Pods bound by us that the cache does not show bound yet: counted on their node meanwhile. */
    private final Map<String, String> assumed = new ConcurrentHashMap<>();
    private final ReconcileLoop loop;
    private List<Informer> owned = List.of();

    public Scheduler(ApiClient api, Informer pods, Informer nodes, EventRecorder events) {
        this.api = api;
        this.pods = pods;
        this.nodes = nodes;
        this.events = events;
        pods.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode p) {
                consider(p);
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode p) {
                consider(p);
            }

            @Override
            public void onDelete(ObjectNode p) {
                assumed.remove(Informer.key(p));
                retryUnscheduled(); // freed capacity
            }
        });
        nodes.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode n) {
                retryUnscheduled();
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode n) {
                if (!old.path("spec").equals(n.path("spec")) || !NodeFit.isReady(old) && NodeFit.isReady(n)) {
                    retryUnscheduled();
                }
            }
        });
        // One worker: each decision sees the previous one (through the assumed map).
        this.loop = new ReconcileLoop("scheduler", queue, this::schedule, 1);
    }

    public void start() {
        loop.start();
    }

    /**
     * A scheduler with its own pod and node informers, started once both have listed (so its first
     * decisions already see every bound pod). Closing it closes them.
     */
    public static Scheduler startWithInformers(ApiClient api) throws InterruptedException {
        Informer pods = new Informer(api, ResourceTypes.PODS).start();
        Informer nodes = new Informer(api, ResourceTypes.NODES).start();
        for (Informer i : List.of(pods, nodes)) {
            if (!i.awaitSynced(java.time.Duration.ofMinutes(2))) {
                pods.close();
                nodes.close();
                throw new IllegalStateException("could not list " + i.type().plural() + " from " + api.server());
            }
        }
        Scheduler s = new Scheduler(api, pods, nodes, new EventRecorder(api, NAME));
        s.owned = List.of(pods, nodes);
        s.start();
        return s;
    }

    private static boolean isUnscheduled(JsonNode p) {
        return p.path("spec").path("nodeName").asText("").isEmpty() && !Meta.isDeleting(p)
                && NAME.equals(p.path("spec").path("schedulerName").asText(NAME));
    }

    private void consider(ObjectNode p) {
        if (isUnscheduled(p)) {
            queue.add(Informer.key(p));
        } else {
            assumed.remove(Informer.key(p));
        }
    }

    private void retryUnscheduled() {
        pods.list(Scheduler::isUnscheduled).forEach(p -> queue.add(Informer.key(p)));
    }

    void schedule(String key) {
        ObjectNode pod = pods.get(key).orElse(null);
        if (pod == null || !isUnscheduled(pod) || assumed.containsKey(key)) {
            return;
        }
        List<ObjectNode> allNodes = nodes.list();
        List<String> reasons = new ArrayList<>();
        List<ObjectNode> feasible = new ArrayList<>();
        Map<String, NodeFit.Usage> usage = usageByNode();
        for (ObjectNode node : allNodes) {
            String why = NodeFit.whyNot(pod, node, usage.getOrDefault(Meta.name(node), NodeFit.Usage.NONE));
            if (why == null) {
                feasible.add(node);
            } else {
                reasons.add(why);
            }
        }
        if (feasible.isEmpty()) {
            unschedulable(pod, allNodes.size(), reasons);
            throw new RetryLater("no node fits pod " + key);
        }
        Map<String, Integer> sameOwner = replicasByNode(Owners.controllerOf(pod).path("uid").asText(""));
        Map<ObjectNode, Double> scores = new java.util.HashMap<>();
        for (ObjectNode n : feasible) {
            scores.put(n, NodeFit.score(pod, n, usage.getOrDefault(Meta.name(n), NodeFit.Usage.NONE),
                    sameOwner.getOrDefault(Meta.name(n), 0)) + ThreadLocalRandom.current().nextDouble() * 1e-6);
        }
        ObjectNode best = feasible.stream().max(Comparator.comparingDouble(scores::get)).orElseThrow();
        ObjectNode binding = Json.object();
        binding.put("apiVersion", "v1").put("kind", "Binding");
        binding.putObject("metadata").put("name", Meta.name(pod)).put("namespace", Meta.namespace(pod));
        binding.putObject("target").put("apiVersion", "v1").put("kind", "Node").put("name", Meta.name(best));
        try {
            api.post(ApiClient.objectPath(ResourceTypes.PODS, Meta.namespace(pod), Meta.name(pod)) + "/binding", binding);
        } catch (ApiException e) {
            if (e.code() == 409 || e.code() == 404) {
                return; // bound by someone else meanwhile, or gone
            }
            throw e;
        }
        assumed.put(key, Meta.name(best));
        events.normal(pod, "Scheduled", "Successfully assigned " + key + " to " + Meta.name(best));
        LOG.debug("bound {} to {}", key, Meta.name(best));
    }

    /** How many pods of the owner with {@code ownerUid} each node runs (or is assumed to), counted once per decision. */
    private Map<String, Integer> replicasByNode(String ownerUid) {
        Map<String, Integer> counts = new java.util.HashMap<>();
        if (ownerUid.isEmpty()) {
            return counts;
        }
        for (ObjectNode p : pods.list()) {
            String on = p.path("spec").path("nodeName").asText("");
            if (on.isEmpty()) {
                on = assumed.getOrDefault(Informer.key(p), "");
            }
            if (!on.isEmpty() && ownerUid.equals(Owners.controllerOf(p).path("uid").asText())) {
                counts.merge(on, 1, Integer::sum);
            }
        }
        return counts;
    }

    private Map<String, NodeFit.Usage> usageByNode() {
        Map<String, NodeFit.Usage> m = new java.util.HashMap<>();
        for (ObjectNode p : pods.list()) {
            String node = p.path("spec").path("nodeName").asText("");
            if (node.isEmpty()) {
                node = assumed.getOrDefault(Informer.key(p), "");
            }
            String phase = p.path("status").path("phase").asText();
            if (node.isEmpty() || phase.equals("Succeeded") || phase.equals("Failed")) {
                continue;
            }
            m.merge(node, NodeFit.Usage.of(p), NodeFit.Usage::plus);
        }
        return m;
    }

    private void unschedulable(ObjectNode pod, int nodeCount, List<String> reasons) {
        Map<String, Long> counted = new java.util.TreeMap<>();
        reasons.forEach(r -> counted.merge(r, 1L, Long::sum));
        StringBuilder msg = new StringBuilder("0/").append(nodeCount).append(" nodes are available");
        if (!counted.isEmpty()) {
            msg.append(": ");
            List<String> parts = new ArrayList<>();
            counted.forEach((r, n) -> parts.add(n + " " + r));
            msg.append(String.join(", ", parts));
        }
        msg.append('.');
        JsonNode current = null;
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("PodScheduled".equals(c.path("type").asText())) {
                current = c;
            }
        }
        if (current != null && msg.toString().equals(current.path("message").asText())) {
            return; // already said so
        }
        events.warning(pod, "FailedScheduling", msg.toString());
        ObjectNode copy = pod.deepCopy();
        com.fasterxml.jackson.databind.node.ArrayNode conditions = Json.array();
        copy.path("status").path("conditions").forEach(c -> {
            if (!"PodScheduled".equals(c.path("type").asText())) {
                conditions.add(c);
            }
        });
        conditions.addObject().put("type", "PodScheduled").put("status", "False").put("reason", "Unschedulable")
                .put("message", msg.toString()).put("lastTransitionTime", Meta.now());
        copy.with("status").set("conditions", conditions);
        try {
            api.updateStatus(ResourceTypes.PODS, copy);
        } catch (ApiException e) {
            LOG.debug("could not record that {} is unschedulable: {}", Meta.name(pod), e.getMessage());
        }
    }

    @Override
    public void close() {
        loop.close();
        owned.forEach(Informer::close);
    }
}
