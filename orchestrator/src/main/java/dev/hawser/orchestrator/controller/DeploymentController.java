package dev.hawser.orchestrator.controller;

import dev.hawser.orchestrator.client.EventRecorder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.ReconcileLoop;
import dev.hawser.orchestrator.client.WorkQueue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Rolls Deployments out through ReplicaSets, as Kubernetes does: the ReplicaSet whose template equals
 * the Deployment's is the new one (created, named by template hash, when missing — which is also how
 * a rollback to an old template reuses its old ReplicaSet); RollingUpdate grows it within maxSurge and
 * shrinks the old ones within maxUnavailable, Recreate empties the old ones first. Revisions live in
 * annotations (what {@code kubectl rollout history/undo} read), status carries observedGeneration and
 * the Available/Progressing conditions {@code kubectl rollout status} waits on.
 */
public final class DeploymentController implements AutoCloseable {
    static final String REVISION = "deployment.kubernetes.io/revision";
    private static final String CHANGE_CAUSE = "kubernetes.io/change-cause";
    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private final ApiClient api;
    private final Informer deployments;
    private final Informer replicaSets;
    private final EventRecorder events;
    private final WorkQueue queue = new WorkQueue("deployment");
    private final ReconcileLoop loop;

    public DeploymentController(ApiClient api, Informer deployments, Informer replicaSets, EventRecorder events) {
        this.api = api;
        this.deployments = deployments;
        this.replicaSets = replicaSets;
        this.events = events;
        deployments.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode d) {
                queue.add(Informer.key(d));
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode d) {
                queue.add(Informer.key(d));
            }
        });
        replicaSets.addHandler(Informer.Handler.onAnyChange(this::enqueueOwner));
        this.loop = new ReconcileLoop("deployment", queue, this::reconcile, 2);
    }

    public void start() {
        loop.start();
    }

    private void enqueueOwner(ObjectNode rs) {
        String owner = Owners.controllerKey(rs, "Deployment");
        if (owner != null) {
            queue.add(owner);
        }
    }

    void reconcile(String key) {
        ObjectNode d = deployments.get(key).orElse(null);
        if (d == null || Meta.isDeleting(d)) {
            return;
        }
        String ns = Meta.namespace(d);
        List<ObjectNode> owned = new ArrayList<>(replicaSets.list(rs -> Meta.namespace(rs).equals(ns) && Owners.isControlledBy(rs, d)));
        JsonNode template = TemplateHash.normalized(d.path("spec").path("template"));
        ObjectNode current = owned.stream().filter(rs -> TemplateHash.withoutHash(rs.path("spec").path("template")).equals(template))
                .findFirst().orElse(null);
        List<ObjectNode> old = owned.stream().filter(rs -> rs != current).sorted(Comparator.comparingLong(DeploymentController::revision)).toList();
        ObjectNode newRs = current;
        if (d.path("spec").path("paused").asBoolean()) {
            updateStatus(d, newRs, owned);
            return;
        }
        long maxOldRevision = old.stream().mapToLong(DeploymentController::revision).max().orElse(0);
        if (newRs == null) {
            newRs = createNewReplicaSet(d, maxOldRevision + 1, old.isEmpty());
            owned.add(newRs);
        } else if (revision(newRs) <= maxOldRevision || !sameChangeCause(d, newRs)) {
            newRs = annotateAsNew(d, newRs, Math.max(revision(newRs), maxOldRevision + 1));
        }
        recordRevision(d, revision(newRs));
        int replicas = d.path("spec").path("replicas").asInt(1);
        if ("Recreate".equals(d.path("spec").path("strategy").path("type").asText())) {
            recreate(d, newRs, old, replicas);
        } else {
            rollingUpdate(d, newRs, old, replicas);
        }
        cleanUp(d, old);
        updateStatus(d, newRs, owned);
    }

    private ObjectNode createNewReplicaSet(ObjectNode d, long revision, boolean first) {
        int collisions = d.path("status").path("collisionCount").asInt(0);
        String hash = TemplateHash.of(d.path("spec").path("template"), collisions);
        ObjectNode rs = Json.object();
        rs.put("apiVersion", "apps/v1").put("kind", "ReplicaSet");
        ObjectNode md = rs.putObject("metadata");
        md.put("name", Meta.name(d) + "-" + hash).put("namespace", Meta.namespace(d));
        ObjectNode labels = d.path("spec").path("template").path("metadata").path("labels").deepCopy();
        labels.put(TemplateHash.LABEL, hash);
        md.set("labels", labels);
        md.set("annotations", deploymentAnnotations(d, revision));
        md.putArray("ownerReferences").add(Owners.controllerRef(d));
        ObjectNode spec = rs.putObject("spec");
        int replicas = d.path("spec").path("replicas").asInt(1);
        spec.put("replicas", first ? replicas : 0);
        spec.put("minReadySeconds", d.path("spec").path("minReadySeconds").asInt(0));
        ObjectNode selector = d.path("spec").path("selector").deepCopy();
        selector.with("matchLabels").put(TemplateHash.LABEL, hash);
        spec.set("selector", selector);
        ObjectNode template = d.path("spec").path("template").deepCopy();
        template.with("metadata").with("labels").put(TemplateHash.LABEL, hash);
        spec.set("template", template);
        try {
            ObjectNode created = api.create(ResourceTypes.REPLICASETS, Meta.namespace(d), rs);
            events.normal(d, "ScalingReplicaSet", "Scaled up replica set " + Meta.name(created) + " from 0 to " + spec.path("replicas").asInt());
            return created;
        } catch (ApiException e) {
            if (e.code() == 409) {
                // A ReplicaSet of that name with another template: count the collision and let the next pass pick a new name.
                ObjectNode copy = d.deepCopy();
                copy.with("status").put("collisionCount", collisions + 1);
                api.updateStatus(ResourceTypes.DEPLOYMENTS, copy);
            }
            throw e;
        }
    }

    /** The Deployment carries its current revision too (kubectl rollout undo copies annotations back and forth). */
    private void recordRevision(ObjectNode d, long revision) {
        String want = Long.toString(revision);
        if (!want.equals(d.path("metadata").path("annotations").path(REVISION).asText())) {
            ObjectNode patch = Json.object();
            patch.putObject("metadata").putObject("annotations").put(REVISION, want);
            api.patch(ResourceTypes.DEPLOYMENTS, Meta.namespace(d), Meta.name(d), null, "application/merge-patch+json", patch);
        }
    }

    private static ObjectNode deploymentAnnotations(ObjectNode d, long revision) {
        ObjectNode a = Json.object();
        d.path("metadata").path("annotations").fields().forEachRemaining(e -> {
            if (!e.getKey().equals(LAST_APPLIED) && !e.getKey().equals(REVISION)) {
                a.set(e.getKey(), e.getValue());
            }
        });
        a.put(REVISION, Long.toString(revision));
        a.put("deployment.kubernetes.io/desired-replicas", Integer.toString(d.path("spec").path("replicas").asInt(1)));
        return a;
    }

    private static boolean sameChangeCause(ObjectNode d, ObjectNode rs) {
        JsonNode want = d.path("metadata").path("annotations").path(CHANGE_CAUSE);
        return want.isMissingNode() || want.equals(rs.path("metadata").path("annotations").path(CHANGE_CAUSE));
    }

    /** An old ReplicaSet that became current again (a rollback) gets the next revision number. */
    private ObjectNode annotateAsNew(ObjectNode d, ObjectNode rs, long revision) {
        ObjectNode copy = rs.deepCopy();
        ObjectNode annotations = copy.with("metadata").with("annotations");
        annotations.setAll(deploymentAnnotations(d, revision));
        return api.update(ResourceTypes.REPLICASETS, copy);
    }

    private void rollingUpdate(ObjectNode d, ObjectNode newRs, List<ObjectNode> old, int replicas) {
        JsonNode ru = d.path("spec").path("strategy").path("rollingUpdate");
        int surge = Rollout.resolve(ru.path("maxSurge"), replicas, true, "25%");
        int unavailable = Rollout.resolve(ru.path("maxUnavailable"), replicas, false, "25%");
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        int newSpec = specReplicas(newRs);
        int total = newSpec + old.stream().mapToInt(DeploymentController::specReplicas).sum();
        if (newSpec > replicas) {
            scale(d, newRs, replicas);
            return;
        }
        int scaleUp = Math.min(replicas + surge - total, replicas - newSpec);
        if (scaleUp > 0) {
            scale(d, newRs, newSpec + scaleUp);
            return;
        }
        int oldSpec = old.stream().mapToInt(DeploymentController::specReplicas).sum();
        if (oldSpec == 0) {
            return;
        }
        int minAvailable = replicas - unavailable;
        int newUnavailable = newSpec - available(newRs);
        int maxScaledDown = total - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) {
            return;
        }
        // First remove old replicas that are not available anyway: that costs no availability.
        for (ObjectNode rs : old) {
            if (maxScaledDown <= 0) {
                break;
            }
            int unhealthy = specReplicas(rs) - available(rs);
            if (unhealthy > 0) {
                int cut = Math.min(maxScaledDown, unhealthy);
                scale(d, rs, specReplicas(rs) - cut);
                maxScaledDown -= cut;
                return;
            }
        }
        int availableNow = available(newRs) + old.stream().mapToInt(DeploymentController::available).sum();
        int allowed = Math.min(maxScaledDown, availableNow - minAvailable);
        for (ObjectNode rs : old) {
            if (allowed <= 0) {
                break;
            }
            int cut = Math.min(allowed, specReplicas(rs));
            if (cut > 0) {
                scale(d, rs, specReplicas(rs) - cut);
                allowed -= cut;
            }
        }
    }

    private void recreate(ObjectNode d, ObjectNode newRs, List<ObjectNode> old, int replicas) {
        boolean oldRunning = false;
        for (ObjectNode rs : old) {
            if (specReplicas(rs) > 0) {
                scale(d, rs, 0);
                oldRunning = true;
            } else if (rs.path("status").path("replicas").asInt() > 0) {
                oldRunning = true;
            }
        }
        if (!oldRunning && specReplicas(newRs) != replicas) {
            scale(d, newRs, replicas);
        }
    }

    private void scale(ObjectNode d, ObjectNode rs, int replicas) {
        int from = specReplicas(rs);
        if (from == replicas) {
            return;
        }
        ObjectNode copy = rs.deepCopy();
        copy.with("spec").put("replicas", replicas);
        copy.with("metadata").with("annotations").put("deployment.kubernetes.io/desired-replicas",
                Integer.toString(d.path("spec").path("replicas").asInt(1)));
        api.update(ResourceTypes.REPLICASETS, copy);
        events.normal(d, "ScalingReplicaSet", "Scaled " + (replicas > from ? "up" : "down") + " replica set "
                + Meta.name(rs) + " from " + from + " to " + replicas);
    }

    /** Keeps at most revisionHistoryLimit empty old ReplicaSets, deleting the oldest. */
    private void cleanUp(ObjectNode d, List<ObjectNode> old) {
        int limit = d.path("spec").path("revisionHistoryLimit").asInt(10);
        List<ObjectNode> empty = old.stream().filter(rs -> specReplicas(rs) == 0 && rs.path("status").path("replicas").asInt() == 0).toList();
        for (int i = 0; i < empty.size() - limit; i++) {
            api.delete(ResourceTypes.REPLICASETS, Meta.namespace(d), Meta.name(empty.get(i)), null);
        }
    }

    private void updateStatus(ObjectNode d, ObjectNode newRs, List<ObjectNode> owned) {
        int replicas = d.path("spec").path("replicas").asInt(1);
        JsonNode ru = d.path("spec").path("strategy").path("rollingUpdate");
        int maxUnavailable = "Recreate".equals(d.path("spec").path("strategy").path("type").asText()) ? 0
                : Rollout.resolve(ru.path("maxUnavailable"), replicas, false, "25%");
        int total = owned.stream().mapToInt(rs -> rs.path("status").path("replicas").asInt()).sum();
        int ready = owned.stream().mapToInt(rs -> rs.path("status").path("readyReplicas").asInt()).sum();
        int available = owned.stream().mapToInt(DeploymentController::available).sum();
        int updated = newRs == null ? 0 : newRs.path("status").path("replicas").asInt();
        ObjectNode status = Json.object();
        status.put("observedGeneration", d.path("metadata").path("generation").asLong());
        status.put("replicas", total).put("updatedReplicas", updated).put("readyReplicas", ready)
                .put("availableReplicas", available).put("unavailableReplicas", Math.max(0, replicas - available));
        if (d.path("status").has("collisionCount")) {
            status.set("collisionCount", d.path("status").get("collisionCount"));
        }
        boolean complete = newRs != null && updated == replicas && total == replicas && available == replicas
                && newRs.path("status").path("observedGeneration").asLong() >= newRs.path("metadata").path("generation").asLong();
        ArrayNode conditions = status.putArray("conditions");
        Map<String, JsonNode> previous = Rollout.conditionsByType(d.path("status").path("conditions"));
        conditions.add(Rollout.condition(previous.get("Available"), "Available", available >= replicas - maxUnavailable,
                available >= replicas - maxUnavailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                available >= replicas - maxUnavailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", false));
        String rsName = newRs == null ? "" : Meta.name(newRs);
        JsonNode prevProgress = previous.get("Progressing");
        boolean progressed = !status.path("replicas").equals(d.path("status").path("replicas"))
                || !status.path("updatedReplicas").equals(d.path("status").path("updatedReplicas"))
                || !status.path("availableReplicas").equals(d.path("status").path("availableReplicas"));
        long deadline = d.path("spec").path("progressDeadlineSeconds").asLong(600);
        String reason;
        String message;
        boolean ok = true;
        if (complete) {
            reason = "NewReplicaSetAvailable";
            message = "ReplicaSet \"" + rsName + "\" has successfully progressed.";
        } else if (!progressed && prevProgress != null && !"NewReplicaSetAvailable".equals(prevProgress.path("reason").asText())
                && Rollout.olderThan(prevProgress.path("lastUpdateTime").asText(), Duration.ofSeconds(deadline))) {
            reason = "ProgressDeadlineExceeded";
            message = "ReplicaSet \"" + rsName + "\" has timed out progressing.";
            ok = false;
        } else {
            reason = "ReplicaSetUpdated";
            message = "ReplicaSet \"" + rsName + "\" is progressing.";
        }
        conditions.add(Rollout.condition(prevProgress, "Progressing", ok, reason, message, progressed));
        if (!status.equals(d.path("status"))) {
            ObjectNode copy = d.deepCopy();
            copy.set("status", status);
            api.updateStatus(ResourceTypes.DEPLOYMENTS, copy);
        }
        if (!complete && !"ProgressDeadlineExceeded".equals(reason)) {
            queue.addAfter(Informer.key(d), Duration.ofSeconds(Math.max(1, deadline)));
        }
    }

    static long revision(JsonNode rs) {
        try {
            return Long.parseLong(rs.path("metadata").path("annotations").path(REVISION).asText("0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int specReplicas(JsonNode rs) {
        return rs == null ? 0 : rs.path("spec").path("replicas").asInt(1);
    }

    private static int available(JsonNode rs) {
        return rs == null ? 0 : rs.path("status").path("availableReplicas").asInt(0);
    }

    @Override
    public void close() {
        loop.close();
    }
}
