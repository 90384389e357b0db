package dev.hawser.orchestrator.controller;

import dev.hawser.orchestrator.client.EventRecorder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.LabelSelector;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.ReconcileLoop;
import dev.hawser.orchestrator.client.WorkQueue;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps {@code spec.replicas} pods running for each ReplicaSet: creates missing ones from the
 * template (with a controller ownerReference), deletes surplus ones (unscheduled, pending and
 * unready first), adopts matching orphans, and reports counts in status.
 */
public final class ReplicaSetController implements AutoCloseable {
    private static final int BURST = 100;

    private final ApiClient api;
    private final Informer replicaSets;
    private final Informer pods;
    private final EventRecorder events;
    private final WorkQueue queue = new WorkQueue("replicaset");
    private final Expectations expectations = new Expectations();
    private final ReconcileLoop loop;

    public ReplicaSetController(ApiClient api, Informer replicaSets, Informer pods, EventRecorder events) {
        this.api = api;
        this.replicaSets = replicaSets;
        this.pods = pods;
        this.events = events;
        replicaSets.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode rs) {
                queue.add(Informer.key(rs));
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode rs) {
                queue.add(Informer.key(rs));
            }

            @Override
            public void onDelete(ObjectNode rs) {
                expectations.forget(Informer.key(rs));
            }
        });
        pods.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode pod) {
                String owner = Owners.controllerKey(pod, "ReplicaSet");
                if (owner != null) {
                    expectations.observedAdd(owner);
                    queue.add(owner);
                } else {
                    enqueueSelecting(pod);
                }
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode pod) {
                String owner = Owners.controllerKey(pod, "ReplicaSet");
                if (owner != null) {
                    queue.add(owner);
                } else {
                    enqueueSelecting(pod);
                }
            }

            @Override
            public void onDelete(ObjectNode pod) {
                String owner = Owners.controllerKey(pod, "ReplicaSet");
                if (owner != null) {
                    expectations.observedDelete(owner);
                    queue.add(owner);
                }
            }
        });
        this.loop = new ReconcileLoop("replicaset", queue, this::reconcile, 2);
    }

    public void start() {
        loop.start();
    }

    private void enqueueSelecting(ObjectNode pod) {
        for (ObjectNode rs : replicaSets.list(r -> Meta.namespace(r).equals(Meta.namespace(pod)))) {
            if (LabelSelector.fromObject(rs.path("spec").path("selector")).matches(pod)) {
                queue.add(Informer.key(rs));
            }
        }
    }

    void reconcile(String key) {
        ObjectNode rs = replicaSets.get(key).orElse(null);
        if (rs == null) {
            return;
        }
        String ns = Meta.namespace(rs);
        LabelSelector selector = LabelSelector.fromObject(rs.path("spec").path("selector"));
        List<ObjectNode> owned = pods.list(p -> Meta.namespace(p).equals(ns) && Owners.isControlledBy(p, rs));
        if (!Meta.isDeleting(rs)) {
            for (ObjectNode orphan : pods.list(p -> Meta.namespace(p).equals(ns) && Owners.controllerOf(p).isMissingNode()
                    && Pods.isActive(p) && selector.matches(p))) {
                adopt(rs, orphan);
                owned.add(orphan);
            }
        }
        List<ObjectNode> active = owned.stream().filter(Pods::isActive).toList();
        int want = rs.path("spec").path("replicas").asInt(1);
        if (!Meta.isDeleting(rs) && expectations.satisfied(key)) {
            int diff = want - active.size();
            if (diff > 0) {
                createPods(key, rs, Math.min(diff, BURST));
            } else if (diff < 0) {
                deletePods(key, rs, active, Math.min(-diff, BURST));
            }
        }
        updateStatus(rs, owned, selector);
    }

    private void adopt(ObjectNode rs, ObjectNode pod) {
        ObjectNode patch = Json.object();
        ObjectNode md = patch.putObject("metadata");
        ArrayNode refs = md.putArray("ownerReferences");
        pod.path("metadata").path("ownerReferences").forEach(refs::add);
        refs.add(Owners.controllerRef(rs));
        md.put("resourceVersion", Meta.resourceVersion(pod));
        api.patch(ResourceTypes.PODS, Meta.namespace(pod), Meta.name(pod), null, "application/merge-patch+json", patch);
    }

    private void createPods(String key, ObjectNode rs, int n) {
        expectations.expect(key, n, 0);
        JsonNode template = rs.path("spec").path("template");
        for (int i = 0; i < n; i++) {
            ObjectNode pod = Json.object();
            pod.put("apiVersion", "v1").put("kind", "Pod");
            ObjectNode md = pod.putObject("metadata");
            md.put("generateName", Meta.name(rs) + "-").put("namespace", Meta.namespace(rs));
            if (template.path("metadata").has("labels")) {
                md.set("labels", template.path("metadata").path("labels").deepCopy());
            }
            if (template.path("metadata").has("annotations")) {
                md.set("annotations", template.path("metadata").path("annotations").deepCopy());
            }
            md.putArray("ownerReferences").add(Owners.controllerRef(rs));
            pod.set("spec", template.path("spec").deepCopy());
            try {
                ObjectNode created = api.create(ResourceTypes.PODS, Meta.namespace(rs), pod);
                events.normal(rs, "SuccessfulCreate", "Created pod: " + Meta.name(created));
            } catch (ApiException e) {
                expectations.lowered(key, n - i, 0);
                events.warning(rs, "FailedCreate", "Error creating: " + e.getMessage());
                throw e;
            }
        }
    }

    /** Surplus pods go in kube's order: unscheduled, pending, not ready, ready most recently, most restarts. */
    private void deletePods(String key, ObjectNode rs, List<ObjectNode> active, int n) {
        List<ObjectNode> doomed = active.stream().sorted(Comparator
                .comparing((ObjectNode p) -> !p.path("spec").path("nodeName").asText("").isEmpty())
                .thenComparing(p -> !"Pending".equals(p.path("status").path("phase").asText()))
                .thenComparing(Pods::isReady)
                .thenComparing((ObjectNode p) -> {
                    Instant since = Pods.readySince(p);
                    return since == null ? Instant.MAX : since;
                }, Comparator.reverseOrder())
                .thenComparing(Pods::restarts, Comparator.reverseOrder()))
                .limit(n).toList();
        expectations.expect(key, 0, doomed.size());
        for (ObjectNode p : doomed) {
            api.delete(ResourceTypes.PODS, Meta.namespace(p), Meta.name(p), null);
            events.normal(rs, "SuccessfulDelete", "Deleted pod: " + Meta.name(p));
        }
    }

    private void updateStatus(ObjectNode rs, List<ObjectNode> owned, LabelSelector selector) {
        Instant now = Instant.now();
        long minReady = rs.path("spec").path("minReadySeconds").asLong(0);
        List<ObjectNode> active = owned.stream().filter(Pods::isActive).toList();
        ObjectNode status = Json.object();
        status.put("replicas", active.size());
        status.put("fullyLabeledReplicas", active.stream().filter(selector::matches).count());
        status.put("readyReplicas", active.stream().filter(Pods::isReady).count());
        status.put("availableReplicas", active.stream().filter(p -> Pods.isAvailable(p, minReady, now)).count());
        status.put("observedGeneration", rs.path("metadata").path("generation").asLong());
        if (!status.equals(rs.path("status"))) {
            ObjectNode copy = rs.deepCopy();
            copy.set("status", status);
            api.updateStatus(ResourceTypes.REPLICASETS, copy);
        }
        if (minReady > 0 && active.stream().anyMatch(p -> Pods.isReady(p) && !Pods.isAvailable(p, minReady, now))) {
            queue.addAfter(Informer.key(rs), java.time.Duration.ofSeconds(minReady));
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
