package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strategic merge patch, the format {@code kubectl apply} sends: a merge patch where some lists are
 * merged element by element on a key (containers and env by name, volumeMounts by mountPath, ports by
 * containerPort or port, conditions by type) instead of being replaced, plus the directives
 * {@code $patch}, {@code $retainKeys}, {@code $setElementOrder/} and {@code $deleteFromPrimitiveList/}.
 * The merge keys are those of the built-in Go types; every other list is replaced.
 */
final class StrategicMergePatch {
    private static final String PATCH = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String SET_ORDER = "$setElementOrder/";
    private static final String DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";
    /** Lists of scalars that merge as sets (patchStrategy "merge" without a key). */
    private static final Set<String> PRIMITIVE_MERGE = Set.of("finalizers");

    private StrategicMergePatch() {
    }

    static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            throw ApiException.badRequest("a strategic merge patch must be a JSON object");
        }
        return mergeMap(target != null && target.isObject() ? (ObjectNode) target : Json.object(), (ObjectNode) patch, "");
    }

    /** The key that identifies elements of the list at {@code field}, whose parent is at {@code parentPath}. */
    static String mergeKey(String parentPath, String field) {
        return switch (field) {
            case "containers", "initContainers", "ephemeralContainers", "env", "volumes", "imagePullSecrets",
                 "secrets", "resourceClaims" -> "name";
            case "volumeMounts" -> "mountPath";
            case "volumeDevices" -> "devicePath";
            case "conditions", "addresses" -> "type";
            case "ownerReferences" -> "uid";
            case "hostAliases" -> "ip";
            case "topologySpreadConstraints" -> "topologyKey";
            case "ports" -> parentPath.contains("ontainers") ? "containerPort" : "port";
            default -> null;
        };
    }

    private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, String path) {
        String directive = patch.path(PATCH).asText("");
        if ("replace".equals(directive)) {
            ObjectNode replaced = patch.deepCopy();
            replaced.remove(PATCH);
            return stripDirectives(replaced);
        }
        if ("delete".equals(directive)) {
            return null;
        }
        ObjectNode result = original.deepCopy();
        Map<String, JsonNode> orders = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.equals(PATCH) || key.equals(RETAIN_KEYS)) {
                continue;
            }
            if (key.startsWith(SET_ORDER)) {
                orders.put(key.substring(SET_ORDER.length()), value);
                continue;
            }
            if (key.startsWith(DELETE_PRIMITIVE)) {
                String field = key.substring(DELETE_PRIMITIVE.length());
                if (result.get(field) instanceof ArrayNode list) {
                    Set<String> doomed = new HashSet<>();
                    value.forEach(v -> doomed.add(v.toString()));
                    ArrayNode kept = Json.array();
                    list.forEach(v -> {
                        if (!doomed.contains(v.toString())) {
                            kept.add(v);
                        }
                    });
                    result.set(field, kept);
                }
                continue;
            }
            if (value.isNull()) {
                result.remove(key);
            } else if (value.isObject()) {
                JsonNode current = result.get(key);
                ObjectNode merged = mergeMap(current instanceof ObjectNode co ? co : Json.object(), (ObjectNode) value, path + "." + key);
                if (merged == null) {
                    result.remove(key);
                } else {
                    result.set(key, merged);
                }
            } else if (value.isArray()) {
                result.set(key, mergeList(result.get(key), (ArrayNode) value, path, key));
            } else {
                result.set(key, value);
            }
        }
        orders.forEach((field, order) -> {
            if (result.get(field) instanceof ArrayNode list) {
                result.set(field, reorder(list, (ArrayNode) order, mergeKey(path, field)));
            }
        });
        if (patch.get(RETAIN_KEYS) instanceof ArrayNode retain) {
            Set<String> keep = new HashSet<>();
            retain.forEach(k -> keep.add(k.asText()));
            List<String> drop = new ArrayList<>();
            result.fieldNames().forEachRemaining(k -> {
                if (!keep.contains(k)) {
                    drop.add(k);
                }
            });
            result.remove(drop);
        }
        return result;
    }

    private static ArrayNode mergeList(JsonNode original, ArrayNode patch, String parentPath, String field) {
        String key = mergeKey(parentPath, field);
        ArrayNode current = original instanceof ArrayNode a ? a : Json.array();
        if (key == null) {
            if (PRIMITIVE_MERGE.contains(field)) {
                ArrayNode union = current.deepCopy();
                Set<String> seen = new HashSet<>();
                current.forEach(v -> seen.add(v.toString()));
                patch.forEach(v -> {
                    if (seen.add(v.toString())) {
                        union.add(v);
                    }
                });
                return union;
            }
            return stripDirectives(patch.deepCopy());
        }
        for (JsonNode p : patch) {
            if (p.isObject() && "replace".equals(p.path(PATCH).asText())) {
                ArrayNode replaced = Json.array();
                patch.forEach(q -> {
                    if (!(q.isObject() && q.has(PATCH))) {
                        replaced.add(stripDirectives(q.deepCopy()));
                    }
                });
                return replaced;
            }
        }
        ArrayNode result = current.deepCopy();
        String itemPath = parentPath + "." + field + "[]";
        for (JsonNode p : patch) {
            if (!p.isObject()) {
                result.add(p);
                continue;
            }
            int at = indexOf(result, key, p.path(key));
            if ("delete".equals(p.path(PATCH).asText())) {
                if (at >= 0) {
                    result.remove(at);
                }
                continue;
            }
            if (at >= 0) {
                ObjectNode merged = mergeMap((ObjectNode) result.get(at), (ObjectNode) p, itemPath);
                if (merged == null) {
                    result.remove(at);
                } else {
                    result.set(at, merged);
                }
            } else {
                result.add(mergeMap(Json.object(), (ObjectNode) p, itemPath));
            }
        }
        return result;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            JsonNode k = list.get(i).path(key);
            if (!k.isMissingNode() && k.asText().equals(value.asText())) {
                return i;
            }
        }
        return -1;
    }

    /** Puts the elements named in {@code order} first, in that order; the rest keep their relative order. */
    private static ArrayNode reorder(ArrayNode list, ArrayNode order, String key) {
        ArrayNode result = Json.array();
        List<JsonNode> rest = new ArrayList<>();
        list.forEach(rest::add);
        for (JsonNode o : order) {
            for (Iterator<JsonNode> it = rest.iterator(); it.hasNext(); ) {
                JsonNode item = it.next();
                boolean same = key == null ? item.equals(o) : item.path(key).asText().equals(o.path(key).asText());
                if (same) {
                    result.add(item);
                    it.remove();
                    break;
                }
            }
        }
        rest.forEach(result::add);
        return result;
    }

    private static <T extends JsonNode> T stripDirectives(T node) {
        if (node instanceof ObjectNode o) {
            List<String> drop = new ArrayList<>();
            o.fieldNames().forEachRemaining(k -> {
                if (k.startsWith("$")) {
                    drop.add(k);
                }
            });
            o.remove(drop);
            o.forEach(StrategicMergePatch::stripDirectives);
        } else if (node instanceof ArrayNode a) {
            a.forEach(StrategicMergePatch::stripDirectives);
        }
        return node;
    }
}
