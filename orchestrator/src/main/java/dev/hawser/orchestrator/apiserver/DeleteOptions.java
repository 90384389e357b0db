package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * How to delete: {@code propagationPolicy} (Background, Foreground, Orphan), a grace period for pods,
 * and preconditions on uid and resourceVersion. Read from the DELETE body or the query string.
 */
public record DeleteOptions(String propagationPolicy, Long gracePeriodSeconds, String uid, String resourceVersion) {
    public static final DeleteOptions DEFAULT = new DeleteOptions("Background", null, "", "");

    static DeleteOptions from(Map<String, String> query, byte[] body) {
        String policy = query.getOrDefault("propagationPolicy", "");
        Long grace = query.containsKey("gracePeriodSeconds") ? parseLong(query.get("gracePeriodSeconds")) : null;
        String uid = "";
        String rv = "";
        if (body != null && body.length > 0) {
            JsonNode b = Json.parse(body);
            if (b.hasNonNull("propagationPolicy")) {
                policy = b.get("propagationPolicy").asText();
            }
            if (b.has("orphanDependents") && b.get("orphanDependents").asBoolean() && policy.isEmpty()) {
                policy = "Orphan";
            }
            if (b.hasNonNull("gracePeriodSeconds")) {
                grace = b.get("gracePeriodSeconds").asLong();
            }
            uid = b.path("preconditions").path("uid").asText("");
            rv = b.path("preconditions").path("resourceVersion").asText("");
        }
        if (policy.isEmpty()) {
            policy = "Background";
        }
        if (!policy.equals("Background") && !policy.equals("Foreground") && !policy.equals("Orphan")) {
            throw new ApiException(422, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \""
                    + policy + "\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
        }
        if (grace != null && grace < 0) {
            grace = 0L;
        }
        return new DeleteOptions(policy, grace, uid, rv);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid gracePeriodSeconds \"" + s + "\"");
        }
    }
}
