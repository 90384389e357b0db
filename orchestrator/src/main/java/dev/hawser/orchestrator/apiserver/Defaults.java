package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/** Fills in the fields Kubernetes defaults, so stored objects look like kube-apiserver's to every reader. */
final class Defaults {
    private Defaults() {
    }

    static void apply(ResourceType type, ObjectNode o) {
        switch (type.kind()) {
            case "Pod" -> {
                podSpec(obj(o, "spec"));
            }
            case "Deployment" -> {
                ObjectNode spec = obj(o, "spec");
                setIfMissing(spec, "replicas", 1);
                setIfMissing(spec, "revisionHistoryLimit", 10);
                setIfMissing(spec, "progressDeadlineSeconds", 600);
                ObjectNode strategy = obj(spec, "strategy");
                if (!strategy.has("type")) {
                    strategy.put("type", "RollingUpdate");
                }
                if ("RollingUpdate".equals(strategy.path("type").asText())) {
                    ObjectNode ru = obj(strategy, "rollingUpdate");
                    if (!ru.has("maxSurge")) {
                        ru.put("maxSurge", "25%");
                    }
                    if (!ru.has("maxUnavailable")) {
                        ru.put("maxUnavailable", "25%");
                    }
                }
                podSpec(obj(obj(spec, "template"), "spec"));
            }
            case "ReplicaSet" -> {
                ObjectNode spec = obj(o, "spec");
                setIfMissing(spec, "replicas", 1);
                podSpec(obj(obj(spec, "template"), "spec"));
            }
            case "Service" -> service(obj(o, "spec"));
            case "Namespace" -> {
                Meta.metadata(o).with("labels").put("kubernetes.io/metadata.name", Meta.name(o));
            }
            case "Secret" -> secret(o);
            default -> {
            }
        }
    }

    private static void podSpec(ObjectNode spec) {
        if (!spec.has("restartPolicy")) {
            spec.put("restartPolicy", "Always");
        }
        setIfMissing(spec, "terminationGracePeriodSeconds", 30);
        if (!spec.has("dnsPolicy")) {
            spec.put("dnsPolicy", "ClusterFirst");
        }
        if (!spec.has("schedulerName")) {
            spec.put("schedulerName", "default-scheduler");
        }
        for (String list : new String[]{"containers", "initContainers"}) {
            for (JsonNode c : spec.path(list)) {
                if (c instanceof ObjectNode co) {
                    if (!co.has("imagePullPolicy")) {
                        co.put("imagePullPolicy", "IfNotPresent");
                    }
                    if (!co.has("terminationMessagePath")) {
                        co.put("terminationMessagePath", "/dev/termination-log");
                    }
                    for (JsonNode p : co.path("ports")) {
                        if (p instanceof ObjectNode po && !po.has("protocol")) {
                            po.put("protocol", "TCP");
                        }
                    }
                }
            }
        }
    }

    private static void service(ObjectNode spec) {
        if (!spec.has("type")) {
            spec.put("type", "ClusterIP");
        }
        if (!spec.has("sessionAffinity")) {
            spec.put("sessionAffinity", "None");
        }
        for (JsonNode p : spec.path("ports")) {
            if (p instanceof ObjectNode po) {
                if (!po.has("protocol")) {
                    po.put("protocol", "TCP");
                }
                if (!po.has("targetPort") && po.has("port")) {
                    po.set("targetPort", po.get("port"));
                }
            }
        }
    }

    /** {@code stringData} is a write-only convenience: it lands in {@code data}, base64-encoded. */
    private static void secret(ObjectNode o) {
        if (!o.has("type")) {
            o.put("type", "Opaque");
        }
        JsonNode stringData = o.remove("stringData");
        if (stringData != null && stringData.isObject()) {
            ObjectNode data = obj(o, "data");
            for (Iterator<Map.Entry<String, JsonNode>> it = stringData.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                data.put(e.getKey(), Base64.getEncoder().encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    static ObjectNode obj(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(field);
    }

    static ArrayNode arr(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ArrayNode a) {
            return a;
        }
        return parent.putArray(field);
    }

    private static void setIfMissing(ObjectNode o, String field, int value) {
        if (!o.has(field) || o.get(field).isNull()) {
            o.put(field, value);
        }
    }
}
