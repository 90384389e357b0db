package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.flipkart.zjsonpatch.JsonPatch;
import com.flipkart.zjsonpatch.JsonPatchApplicationException;

/** Applies a PATCH body by its media type: JSON patch, merge patch, or strategic merge patch. */
final class Patches {
    private Patches() {
    }

    /**
     * RFC 6902, one operation at a time so that removing or replacing a missing path fails as the RFC
     * (and kube-apiserver) require; the library lets a missing object member pass silently.
     */
    private static JsonNode jsonPatch(ArrayNode ops, JsonNode target) {
        JsonNode result = target;
        for (JsonNode op : ops) {
            String kind = op.path("op").asText();
            String path = op.path("path").asText();
            if ((kind.equals("remove") || kind.equals("replace")) && result.at(JsonPointer.compile(path)).isMissingNode()) {
                throw new ApiException(422, "Invalid", "the server rejected our request due to an error in our request: "
                        + "unable to " + kind + " nonexistent key: " + path);
            }
            ArrayNode single = Json.array();
            single.add(op);
            result = JsonPatch.apply(single, result);
        }
        return result;
    }

    static JsonNode apply(String contentType, JsonNode current, byte[] body) {
        String type = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
        JsonNode patch = Json.parse(body);
        switch (type) {
            case "application/json-patch+json":
                if (!patch.isArray()) {
                    throw ApiException.badRequest("json patch must be an array of operations");
                }
                try {
                    return jsonPatch((ArrayNode) patch, current);
                } catch (JsonPatchApplicationException | IllegalArgumentException e) {
                    // also covers a malformed pointer
                    throw new ApiException(422, "Invalid", "the server rejected our request due to an error in our request: " + e.getMessage());
                }
            case "application/merge-patch+json":
                return MergePatch.apply(current, patch);
            case "application/strategic-merge-patch+json":
                return StrategicMergePatch.apply(current, patch);
            case "application/apply-patch+yaml":
                throw new ApiException(415, "UnsupportedMediaType",
                        "server-side apply is not supported by this server; use client-side apply (kubectl apply --server-side=false)");
            default:
                throw new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                        + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
                        + "application/strategic-merge-patch+json");
        }
    }
}
