package dev.hawser.orchestrator.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/** Arithmetic and bookkeeping of rolling updates: maxSurge/maxUnavailable, and status conditions. */
final class Rollout {
    private Rollout() {
    }

    /** An int-or-percent of {@code replicas}: surge rounds up, unavailable rounds down (as Kubernetes does). */
    static int resolve(JsonNode value, int replicas, boolean roundUp, String dflt) {
        String v = value.isMissingNode() || value.isNull() ? dflt : value.asText();
        if (v.endsWith("%")) {
            double pct = Double.parseDouble(v.substring(0, v.length() - 1)) * replicas / 100.0;
            return (int) (roundUp ? Math.ceil(pct) : Math.floor(pct));
        }
        return Integer.parseInt(v);
    }

    static Map<String, JsonNode> conditionsByType(JsonNode conditions) {
        Map<String, JsonNode> m = new HashMap<>();
        conditions.forEach(c -> m.put(c.path("type").asText(), c));
        return m;
    }

    /**
     * A condition that keeps its lastTransitionTime while its status does not change, and its
     * lastUpdateTime unless {@code touched} (something moved) or its reason changed.
     */
    static ObjectNode condition(JsonNode previous, String type, boolean ok, String reason, String message, boolean touched) {
        String now = Meta.now();
        String status = ok ? "True" : "False";
        ObjectNode c = Json.object();
        c.put("type", type).put("status", status).put("lastUpdateTime", now);
        boolean sameStatus = previous != null && status.equals(previous.path("status").asText());
        c.put("lastTransitionTime", sameStatus ? previous.path("lastTransitionTime").asText(now) : now);
        if (!touched && previous != null && sameStatus && reason.equals(previous.path("reason").asText())) {
            c.put("lastUpdateTime", previous.path("lastUpdateTime").asText(now));
        }
        c.put("reason", reason).put("message", message);
        return c;
    }

    static boolean olderThan(String timestamp, Duration age) {
        try {
            return Instant.parse(timestamp).plus(age).isBefore(Instant.now());
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
