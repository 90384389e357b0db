package dev.hawser.orchestrator.controller;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.ReconcileLoop;
import dev.hawser.orchestrator.client.WorkQueue;

import java.time.Duration;
import java.util.List;

/**
 * Empties a namespace being deleted: deletes everything in it, and once nothing is left, removes the
 * "kubernetes" finalizer so the API server lets the namespace itself go.
 */
public final class NamespaceController implements AutoCloseable {
    private final ApiClient api;
    private final Informer namespaces;
    private final WorkQueue queue = new WorkQueue("namespace");
    private final ReconcileLoop loop;

    public NamespaceController(ApiClient api, Informer namespaces) {
        this.api = api;
        this.namespaces = namespaces;
        namespaces.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode ns) {
                enqueueIfDeleting(ns);
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode ns) {
                enqueueIfDeleting(ns);
            }
        });
        this.loop = new ReconcileLoop("namespace", queue, this::reconcile, 1);
    }

    public void start() {
        loop.start();
    }

    private void enqueueIfDeleting(ObjectNode ns) {
        if (Meta.isDeleting(ns)) {
            queue.add(Meta.name(ns));
        }
    }

    void reconcile(String name) {
        ObjectNode ns = namespaces.get(name).orElse(null);
        if (ns == null || !Meta.isDeleting(ns)) {
            return;
        }
        int remaining = 0;
        for (ResourceType t : ResourceTypes.ALL) {
            if (!t.namespaced()) {
                continue;
            }
            List<ObjectNode> items = ApiClient.items(api.list(t, name, ""));
            remaining += items.size();
            for (ObjectNode o : items) {
                if (!Meta.isDeleting(o)) {
                    api.delete(t, name, Meta.name(o), null);
                }
            }
        }
        if (remaining > 0) {
            // Pods shut down gracefully and finalizers take their time: look again shortly.
            queue.addAfter(name, Duration.ofSeconds(1));
            return;
        }
        ObjectNode finalize = ns.deepCopy();
        finalize.with("spec").set("finalizers", Json.array());
        api.put(ApiClient.objectPath(ResourceTypes.NAMESPACES, "", name) + "/finalize", finalize);
    }

    @Override
    public void close() {
        loop.close();
    }
}
