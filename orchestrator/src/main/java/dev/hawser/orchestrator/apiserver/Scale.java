package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.LabelSelector;
import dev.hawser.orchestrator.api.ResourceType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The {@code scale} subresource: an autoscaling/v1 Scale view of a Deployment's or ReplicaSet's replica count. */
final class Scale {
    private Scale() {
    }

    static ObjectNode of(ResourceType t, ObjectNode o) {
        ObjectNode s = Json.object();
        s.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        ObjectNode md = s.putObject("metadata");
        for (String f : new String[]{"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
            if (o.path("metadata").has(f)) {
                md.set(f, o.path("metadata").get(f));
            }
        }
        s.putObject("spec").put("replicas", o.path("spec").path("replicas").asInt(1));
        String selector = LabelSelector.format(o.path("spec").path("selector"));
        s.putObject("status").put("replicas", o.path("status").path("replicas").asInt(0))
                .put("selector", "<none>".equals(selector) ? "" : selector);
        return s;
    }

    static ObjectNode set(ObjectStore objects, ResourceType t, String ns, String name, ObjectNode scale, String expectedRv) {
        JsonNode replicas = scale.path("spec").path("replicas");
        if (!replicas.canConvertToInt() || replicas.asInt() < 0) {
            throw ApiException.invalid(t, name, java.util.List.of(new ApiException.Cause("FieldValueInvalid",
                    "Invalid value: " + replicas + ": must be greater than or equal to 0", "spec.replicas")));
        }
        return objects.mutate(t, ns, name, current -> {
            Defaults.obj(current, "spec").put("replicas", replicas.asInt());
            return current;
        }, ObjectStore.Part.MAIN, expectedRv);
    }
}
