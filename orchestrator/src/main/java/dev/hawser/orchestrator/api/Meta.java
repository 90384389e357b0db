package dev.hawser.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads and writes an object's {@code metadata}, the part every kind shares. */
public final class Meta {
    private Meta() {
    }

    public static ObjectNode metadata(ObjectNode o) {
        JsonNode m = o.get("metadata");
        if (m instanceof ObjectNode mo) {
            return mo;
        }
        return o.putObject("metadata");
    }

    public static String name(JsonNode o) {
        return o.path("metadata").path("name").asText("");
    }

    public static String namespace(JsonNode o) {
        return o.path("metadata").path("namespace").asText("");
    }

    public static String uid(JsonNode o) {
        return o.path("metadata").path("uid").asText("");
    }

    public static String resourceVersion(JsonNode o) {
        return o.path("metadata").path("resourceVersion").asText("");
    }

    public static boolean isDeleting(JsonNode o) {
        return o.path("metadata").hasNonNull("deletionTimestamp");
    }

    public static boolean hasFinalizers(JsonNode o) {
        return o.path("metadata").path("finalizers").size() > 0;
    }

    public static Map<String, String> labels(JsonNode o) {
        return stringMap(o.path("metadata").path("labels"));
    }

    public static Map<String, String> stringMap(JsonNode n) {
        Map<String, String> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    /** RFC 3339 with second precision, as Kubernetes writes timestamps. */
    public static String timestamp(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    public static String now() {
        return timestamp(Instant.now());
    }
}
