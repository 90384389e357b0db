package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.ResourceTypes;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The namespaces every cluster starts with, created by whichever API server gets there first. */
final class Bootstrapping {
    static final String[] DEFAULT_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"};

    private Bootstrapping() {
    }

    static void ensureDefaultNamespaces(ObjectStore objects) {
        for (String ns : DEFAULT_NAMESPACES) {
            if (objects.read(ResourceTypes.NAMESPACES, "", ns).isPresent()) {
                continue;
            }
            ObjectNode o = Json.object();
            o.put("apiVersion", "v1").put("kind", "Namespace").putObject("metadata").put("name", ns);
            try {
                objects.create(ResourceTypes.NAMESPACES, "", o);
            } catch (ApiException e) {
                if (e.code() != 409) {
                    throw e;
                }
            }
        }
    }
}
