package dev.hawser.orchestrator.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.flipkart.zjsonpatch.JsonPatch;
import com.flipkart.zjsonpatch.JsonPatchApplicationException;

/** Applies a PATCH body by its media type: JSON patch, merge patch, or strategic merge patch. */
final class Patches {
    private Patches() {
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
                    return JsonPatch.apply(patch, current);
                } catch (JsonPatchApplicationException | IllegalArgumentException e) {
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
