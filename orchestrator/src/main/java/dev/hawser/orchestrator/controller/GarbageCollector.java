package dev.hawser.orchestrator.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.ReconcileLoop;
import dev.hawser.orchestrator.client.WorkQueue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Deletes objects whose owners are gone (Background deletion), deletes the dependents of an owner
 * being deleted in the Foreground before letting it go, and detaches the dependents of an owner
 * deleted with Orphan. The owner's absence is confirmed with a live read before anything is deleted,
 * since a cache can lag behind a just-created owner.
 */
public final class GarbageCollector implements AutoCloseable {
    static final String FOREGROUND = "foregroundDeletion";
    static final String ORPHAN = "orphan";

    private final ApiClient api;
    /** Informers by kind, for every kind that can own or be owned. */
    private final Map<String, Informer> byKind;
    private final WorkQueue queue = new WorkQueue("garbage-collector");
    private final ReconcileLoop loop;

    public GarbageCollector(ApiClient api, Map<String, Informer> byKind) {
        this.api = api;
        this.byKind = byKind;
        byKind.forEach((kind, informer) -> informer.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode o) {
                changed(kind, o);
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode o) {
                changed(kind, o);
            }

            @Override
            public void onDelete(ObjectNode o) {
                dependentsOf(o).forEach(d -> queue.add(key(d.path("kind").asText(), d)));
            }
        }));
        this.loop = new ReconcileLoop("garbage-collector", queue, this::reconcile, 1);
    }

    public void start() {
        loop.start();
    }

    private void changed(String kind, ObjectNode o) {
        if (o.path("metadata").path("ownerReferences").size() > 0) {
            queue.add(key(kind, o));
        }
        if (Meta.isDeleting(o) && (hasFinalizer(o, FOREGROUND) || hasFinalizer(o, ORPHAN))) {
            queue.add(key(kind, o));
        }
    }

    private static String key(String kind, JsonNode o) {
        return kind + "|" + Informer.key(o);
    }

    void reconcile(String key) {
        String kind = key.substring(0, key.indexOf('|'));
        Informer informer = byKind.get(kind);
        Optional<ObjectNode> cached = informer.get(key.substring(key.indexOf('|') + 1));
        if (cached.isEmpty()) {
            return;
        }
        ObjectNode o = cached.get();
        ResourceType type = informer.type();
        if (Meta.isDeleting(o) && hasFinalizer(o, ORPHAN)) {
            for (ObjectNode d : dependentsOf(o)) {
                detach(d, Meta.uid(o));
            }
            removeFinalizer(type, o, ORPHAN);
            return;
        }
        if (Meta.isDeleting(o) && hasFinalizer(o, FOREGROUND)) {
            List<ObjectNode> dependents = dependentsOf(o);
            if (dependents.isEmpty()) {
                removeFinalizer(type, o, FOREGROUND);
            } else {
                for (ObjectNode d : dependents) {
                    if (!Meta.isDeleting(d)) {
                        api.delete(byKind.get(d.path("kind").asText()).type(), Meta.namespace(d), Meta.name(d), propagation("Foreground"));
                    }
                }
            }
            return;
        }
        JsonNode refs = o.path("metadata").path("ownerReferences");
        if (refs.isEmpty()) {
            return;
        }
        boolean ownerAlive = false;
        boolean ownerInForeground = false;
        for (JsonNode ref : refs) {
            Optional<ObjectNode> owner = liveOwner(ref, Meta.namespace(o));
            if (owner.isPresent()) {
                ownerAlive = true;
                ownerInForeground |= Meta.isDeleting(owner.get()) && hasFinalizer(owner.get(), FOREGROUND);
            }
        }
        if (!ownerAlive || (ownerInForeground && refs.size() == 1)) {
            api.delete(type, Meta.namespace(o), Meta.name(o), propagation(ownerInForeground ? "Foreground" : "Background"));
        }
    }

    /** The owner with the reference's uid: from the cache if there, else confirmed by a live read. */
    private Optional<ObjectNode> liveOwner(JsonNode ref, String namespace) {
        Informer owners = byKind.get(ref.path("kind").asText());
        if (owners == null) {
            return Optional.of(Json.object()); // an owner kind we do not track: never collect on its account
        }
        String ns = owners.type().namespaced() ? namespace : "";
        String ownerKey = ns.isEmpty() ? ref.path("name").asText() : ns + "/" + ref.path("name").asText();
        Optional<ObjectNode> cached = owners.get(ownerKey).filter(o -> Meta.uid(o).equals(ref.path("uid").asText()));
        if (cached.isPresent()) {
            return cached;
        }
        return api.get(owners.type(), ns, ref.path("name").asText()).filter(o -> Meta.uid(o).equals(ref.path("uid").asText()));
    }

    private List<ObjectNode> dependentsOf(JsonNode owner) {
        String uid = Meta.uid(owner);
        List<ObjectNode> out = new java.util.ArrayList<>();
        byKind.forEach((kind, informer) -> out.addAll(informer.list(o -> {
            for (JsonNode ref : o.path("metadata").path("ownerReferences")) {
                if (ref.path("uid").asText().equals(uid)) {
                    return true;
                }
            }
            return false;
        })));
        return out;
    }

    private void detach(ObjectNode dependent, String ownerUid) {
        ArrayNode kept = Json.array();
        dependent.path("metadata").path("ownerReferences").forEach(r -> {
            if (!r.path("uid").asText().equals(ownerUid)) {
                kept.add(r);
            }
        });
        ObjectNode patch = Json.object();
        patch.putObject("metadata").set("ownerReferences", kept);
        api.patch(byKind.get(dependent.path("kind").asText()).type(), Meta.namespace(dependent), Meta.name(dependent), null,
                "application/merge-patch+json", patch);
    }

    private void removeFinalizer(ResourceType type, ObjectNode o, String finalizer) {
        ArrayNode kept = Json.array();
        o.path("metadata").path("finalizers").forEach(f -> {
            if (!f.asText().equals(finalizer)) {
                kept.add(f);
            }
        });
        ObjectNode patch = Json.object();
        patch.putObject("metadata").put("resourceVersion", Meta.resourceVersion(o)).set("finalizers", kept);
        api.patch(type, Meta.namespace(o), Meta.name(o), null, "application/merge-patch+json", patch);
    }

    private static boolean hasFinalizer(JsonNode o, String finalizer) {
        for (JsonNode f : o.path("metadata").path("finalizers")) {
            if (f.asText().equals(finalizer)) {
                return true;
            }
        }
        return false;
    }

    private static ObjectNode propagation(String policy) {
        ObjectNode o = Json.object();
        o.put("kind", "DeleteOptions").put("apiVersion", "v1").put("propagationPolicy", policy);
        return o;
    }

    @Override
    public void close() {
        loop.close();
    }
}
