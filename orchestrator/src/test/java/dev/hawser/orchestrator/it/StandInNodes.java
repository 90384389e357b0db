package dev.hawser.orchestrator.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for node agents in controller tests that do not run processes: registers Nodes, renews
 * their Leases while "alive", and reports every pod bound to an alive node as Running and Ready with
 * an IP, through the same API calls an agent makes. Controllers and the scheduler are the real ones.
 */
final class StandInNodes implements AutoCloseable {
    private final ApiClient api;
    private final Set<String> alive = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> podIps = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    StandInNodes(ApiClient api) {
        this.api = api;
        timer.scheduleWithFixedDelay(this::tick, 200, 300, TimeUnit.MILLISECONDS);
    }

    void register(String name) {
        ObjectNode node = Json.object();
        node.put("apiVersion", "v1").put("kind", "Node");
        node.putObject("metadata").put("name", name).putObject("labels").put("kubernetes.io/hostname", name);
        ObjectNode status = node.putObject("status");
        status.putObject("allocatable").put("cpu", "2").put("memory", "4Gi").put("pods", "110");
        status.putObject("capacity").put("cpu", "2").put("memory", "4Gi").put("pods", "110");
        status.putArray("conditions").addObject().put("type", "Ready").put("status", "True").put("reason", "KubeletReady")
                .put("lastTransitionTime", Meta.now());
        status.putArray("addresses").addObject().put("type", "InternalIP").put("address", "127.0.0.1");
        ObjectNode created = api.create(ResourceTypes.NODES, "", node);
        created.set("status", status);
        api.updateStatus(ResourceTypes.NODES, created);
        alive.add(name);
    }

    void stop(String name) {
        alive.remove(name);
    }

    private void tick() {
        try {
            for (String node : alive) {
                renewLease(node);
            }
            for (ObjectNode pod : ApiClient.items(api.list(ResourceTypes.PODS, "", ""))) {
                String node = pod.path("spec").path("nodeName").asText("");
                if (!alive.contains(node)) {
                    continue;
                }
                if (Meta.isDeleting(pod)) {
                    ObjectNode now = Json.object();
                    now.put("kind", "DeleteOptions").put("apiVersion", "v1").put("gracePeriodSeconds", 0);
                    api.delete(ResourceTypes.PODS, Meta.namespace(pod), Meta.name(pod), now);
                } else if (!"Running".equals(pod.path("status").path("phase").asText())) {
                    markRunning(pod);
                }
            }
        } catch (ApiException e) {
            // conflicts with controllers are expected; the next tick tries again
        }
    }

    private void renewLease(String node) {
        String now = Instant.now().toString();
        var current = api.get(ResourceTypes.LEASES, "kube-node-lease", node);
        if (current.isEmpty()) {
            ObjectNode lease = Json.object();
            lease.put("apiVersion", "coordination.k8s.io/v1").put("kind", "Lease");
            lease.putObject("metadata").put("name", node).put("namespace", "kube-node-lease");
            lease.putObject("spec").put("holderIdentity", node).put("leaseDurationSeconds", 40).put("renewTime", now);
            api.create(ResourceTypes.LEASES, "kube-node-lease", lease);
        } else {
            ObjectNode l = current.get();
            l.with("spec").put("renewTime", now);
            api.update(ResourceTypes.LEASES, l);
        }
    }

    private void markRunning(ObjectNode pod) {
        int ip = podIps.computeIfAbsent(Meta.uid(pod), k -> podIps.size() + 10);
        ObjectNode status = Json.object();
        String now = Meta.now();
        status.put("phase", "Running").put("podIP", "127.20.0." + ip).put("hostIP", "127.0.0.1").put("startTime", now);
        var conditions = status.putArray("conditions");
        for (String t : new String[]{"PodScheduled", "Initialized", "ContainersReady", "Ready"}) {
            conditions.addObject().put("type", t).put("status", "True").put("lastTransitionTime", now);
        }
        var statuses = status.putArray("containerStatuses");
        pod.path("spec").path("containers").forEach(c -> statuses.addObject().put("name", c.path("name").asText())
                .put("image", c.path("image").asText()).put("ready", true).put("started", true).put("restartCount", 0)
                .putObject("state").putObject("running").put("startedAt", now));
        pod.set("status", status);
        api.updateStatus(ResourceTypes.PODS, pod);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
