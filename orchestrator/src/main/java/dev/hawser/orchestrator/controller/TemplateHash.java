package dev.hawser.orchestrator.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The {@code pod-template-hash} that names a Deployment's ReplicaSets: FNV-1a over the template's
 * canonical JSON (keys sorted) plus the collision count, spelled with Kubernetes' safe alphabet.
 */
final class TemplateHash {
    static final String LABEL = "pod-template-hash";
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private TemplateHash() {
    }

    static String of(JsonNode template, int collisionCount) {
        int h = 0x811c9dc5;
        byte[] bytes = (canonical(template) + (collisionCount > 0 ? "#" + collisionCount : "")).getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        StringBuilder s = new StringBuilder();
        long v = h & 0xffffffffL;
        do {
            s.append(ALPHABET.charAt((int) (v % ALPHABET.length())));
            v /= ALPHABET.length();
        } while (v > 0);
        return s.toString();
    }

    /**
     * The template as a ReplicaSet stores it, without the hash label, for equality with the
     * Deployment's. Nulls and empty objects or lists are dropped: Go clients such as kubectl rollout
     * undo write zero values ({@code "creationTimestamp": null}, {@code "resources": {}}) that mean absent.
     */
    static JsonNode withoutHash(JsonNode template) {
        ObjectNode t = (ObjectNode) normalized(template);
        JsonNode labels = t.path("metadata").path("labels");
        if (labels instanceof ObjectNode l) {
            l.remove(LABEL);
            if (l.isEmpty()) {
                ((ObjectNode) t.path("metadata")).remove("labels");
            }
        }
        return t;
    }

    static JsonNode normalized(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = Json.object();
            n.fields().forEachRemaining(e -> {
                JsonNode v = normalized(e.getValue());
                if (!v.isNull() && !((v.isObject() || v.isArray()) && v.isEmpty())) {
                    out.set(e.getKey(), v);
                }
            });
            return out;
        }
        if (n.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode out = Json.array();
            n.forEach(e -> out.add(normalized(e)));
            return out;
        }
        return n;
    }

    static String canonical(JsonNode n) {
        if (n.isObject()) {
            List<String> keys = new ArrayList<>();
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                keys.add(it.next());
            }
            keys.sort(null);
            StringBuilder b = new StringBuilder("{");
            for (String k : keys) {
                b.append(Json.MAPPER.valueToTree(k).toString()).append(':').append(canonical(n.get(k))).append(',');
            }
            return b.append('}').toString();
        }
        if (n.isArray()) {
            StringBuilder b = new StringBuilder("[");
            n.forEach(e -> b.append(canonical(e)).append(','));
            return b.append(']').toString();
        }
        return n.toString();
    }
}
