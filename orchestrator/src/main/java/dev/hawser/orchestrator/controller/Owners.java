package dev.hawser.orchestrator.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;

/** ownerReferences: which object controls another (the one reference with controller: true). */
public final class Owners {
    private Owners() {
    }

    /** The reference a controller puts on what it creates. */
    public static ObjectNode controllerRef(JsonNode owner) {
        ObjectNode ref = Json.object();
        ref.put("apiVersion", owner.path("apiVersion").asText()).put("kind", owner.path("kind").asText())
                .put("name", Meta.name(owner)).put("uid", Meta.uid(owner)).put("controller", true).put("blockOwnerDeletion", true);
        return ref;
    }

    /** The controlling owner reference, or a missing node. */
    public static JsonNode controllerOf(JsonNode object) {
        for (JsonNode ref : object.path("metadata").path("ownerReferences")) {
            if (ref.path("controller").asBoolean()) {
                return ref;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    public static boolean isControlledBy(JsonNode object, JsonNode owner) {
        return controllerOf(object).path("uid").asText("-").equals(Meta.uid(owner));
    }

    /** The namespace/name key of the controlling owner of kind {@code kind}, or null. */
    public static String controllerKey(JsonNode object, String kind) {
        JsonNode ref = controllerOf(object);
        if (!kind.equals(ref.path("kind").asText())) {
            return null;
        }
        return Meta.namespace(object) + "/" + ref.path("name").asText();
    }
}
