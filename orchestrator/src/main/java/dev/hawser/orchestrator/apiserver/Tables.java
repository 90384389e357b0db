package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.LabelSelector;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.BiFunction;

/**
 * Server-side printing: kubectl asks for {@code as=Table} and prints the columns it gets, so the
 * columns of {@code kubectl get} (and {@code -o wide}, priority 1) are decided here, per kind, as
 * kube-apiserver's printers decide them.
 */
public final class Tables {
    private record Column(String name, String type, int priority, String description,
                          BiFunction<JsonNode, Instant, Object> cell) {
    }

    private static final Column NAME = new Column("Name", "string", 0,
            "Name must be unique within a namespace.", (o, now) -> Meta.name(o));
    private static final Column AGE = new Column("Age", "string", 0,
            "Time since the object was created.", (o, now) -> age(o, now));

    private static final Map<String, List<Column>> COLUMNS = Map.ofEntries(
            Map.entry("Pod", List.of(NAME,
                    col("Ready", "The aggregate readiness state of this pod for accepting traffic.", Tables::podReady),
                    col("Status", "The aggregate status of the containers in this pod.", (o, now) -> PodStatus.reason(o)),
                    col("Restarts", "The number of times the containers in this pod have been restarted.", Tables::podRestarts),
                    AGE,
                    wide("IP", "IP address assigned to the pod.", (o, now) -> orNone(o.path("status").path("podIP").asText())),
                    wide("Node", "Name of the node the pod is assigned to.", (o, now) -> orNone(o.path("spec").path("nodeName").asText())),
                    wide("Nominated Node", "Name of the node where the pod may be placed.", (o, now) -> orNone(o.path("status").path("nominatedNodeName").asText())),
                    wide("Readiness Gates", "Pod readiness gates.", (o, now) -> "<none>"))),
            Map.entry("Deployment", List.of(NAME,
                    col("Ready", "Number of the pod with ready state.", (o, now) -> o.path("status").path("readyReplicas").asLong()
                            + "/" + o.path("spec").path("replicas").asLong(1)),
                    intCol("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
                            (o, now) -> o.path("status").path("updatedReplicas").asLong()),
                    intCol("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
                            (o, now) -> o.path("status").path("availableReplicas").asLong()),
                    AGE,
                    wide("Containers", "Names of each container in the template.", (o, now) -> containers(o, "name")),
                    wide("Images", "Images referenced by each container in the template.", (o, now) -> containers(o, "image")),
                    wide("Selector", "Label selector for pods.", (o, now) -> LabelSelector.format(o.path("spec").path("selector"))))),
            Map.entry("ReplicaSet", List.of(NAME,
                    intCol("Desired", "Number of desired pods.", (o, now) -> o.path("spec").path("replicas").asLong(1)),
                    intCol("Current", "Number of actual replicas.", (o, now) -> o.path("status").path("replicas").asLong()),
                    intCol("Ready", "Number of ready replicas.", (o, now) -> o.path("status").path("readyReplicas").asLong()),
                    AGE,
                    wide("Containers", "Names of each container in the template.", (o, now) -> containers(o, "name")),
                    wide("Images", "Images referenced by each container in the template.", (o, now) -> containers(o, "image")),
                    wide("Selector", "Label selector for pods.", (o, now) -> LabelSelector.format(o.path("spec").path("selector"))))),
            Map.entry("Service", List.of(NAME,
                    col("Type", "The type of the service.", (o, now) -> o.path("spec").path("type").asText("ClusterIP")),
                    col("Cluster-IP", "The cluster IP of the service.", (o, now) -> orNone(o.path("spec").path("clusterIP").asText())),
                    col("External-IP", "The external IP of the service.", (o, now) -> externalIps(o)),
                    col("Port(s)", "The ports exposed by the service.", (o, now) -> servicePorts(o)),
                    AGE,
                    wide("Selector", "The selector of the service.", (o, now) -> mapOrNone(o.path("spec").path("selector"))))),
            Map.entry("Node", List.of(NAME,
                    col("Status", "The status of the node.", (o, now) -> nodeStatus(o)),
                    col("Roles", "The roles of the node.", (o, now) -> nodeRoles(o)),
                    AGE,
                    col("Version", "Kubelet version reported by the node.", (o, now) -> o.path("status").path("nodeInfo").path("kubeletVersion").asText("")),
                    wide("Internal-IP", "Internal IP of the node.", (o, now) -> nodeAddress(o, "InternalIP")),
                    wide("External-IP", "External IP of the node.", (o, now) -> nodeAddress(o, "ExternalIP")),
                    wide("OS-Image", "OS image reported by the node.", (o, now) -> orUnknown(o.path("status").path("nodeInfo").path("osImage").asText())),
                    wide("Kernel-Version", "Kernel version reported by the node.", (o, now) -> orUnknown(o.path("status").path("nodeInfo").path("kernelVersion").asText())),
                    wide("Container-Runtime", "Container runtime reported by the node.", (o, now) -> orUnknown(o.path("status").path("nodeInfo").path("containerRuntimeVersion").asText())))),
            Map.entry("Namespace", List.of(NAME,
                    col("Status", "The status of the namespace.", (o, now) -> o.path("status").path("phase").asText("Active")),
                    AGE)),
            Map.entry("Endpoints", List.of(NAME,
                    col("Endpoints", "Endpoints of the service.", (o, now) -> endpoints(o)),
                    AGE)),
            Map.entry("ConfigMap", List.of(NAME,
                    intCol("Data", "Number of data entries.", (o, now) -> (long) (o.path("data").size() + o.path("binaryData").size())),
                    AGE)),
            Map.entry("Secret", List.of(NAME,
                    col("Type", "The type of the secret.", (o, now) -> o.path("type").asText("Opaque")),
                    intCol("Data", "Number of data entries.", (o, now) -> (long) o.path("data").size()),
                    AGE)),
            Map.entry("ServiceAccount", List.of(NAME,
                    intCol("Secrets", "Number of secrets.", (o, now) -> (long) o.path("secrets").size()),
                    AGE)),
            Map.entry("Event", List.of(
                    col("Last Seen", "Time since the event was last seen.", (o, now) -> lastSeen(o, now)),
                    col("Type", "Normal or Warning.", (o, now) -> o.path("type").asText("")),
                    col("Reason", "Why the event happened.", (o, now) -> o.path("reason").asText("")),
                    col("Object", "The object the event is about.", (o, now) -> o.path("involvedObject").path("kind").asText("").toLowerCase(java.util.Locale.ROOT)
                            + "/" + o.path("involvedObject").path("name").asText("")),
                    col("Message", "What happened.", (o, now) -> o.path("message").asText("")),
                    new Column("Name", "string", 1, "Name must be unique within a namespace.", (o, now) -> Meta.name(o)))),
            Map.entry("Lease", List.of(NAME,
                    col("Holder", "The holder of the lease.", (o, now) -> o.path("spec").path("holderIdentity").asText("")),
                    AGE)));

    private Tables() {
    }

    /** A Table of {@code objects}; {@code withHeaders} false for the watch events after the first. */
    public static ObjectNode table(ResourceType type, List<? extends JsonNode> objects, String resourceVersion,
                                   String continueToken, boolean withHeaders, boolean includeObject) {
        List<Column> columns = COLUMNS.getOrDefault(type.kind(), List.of(NAME, AGE));
        Instant now = Instant.now();
        ObjectNode t = Json.object();
        t.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        ObjectNode md = t.putObject("metadata");
        if (resourceVersion != null) {
            md.put("resourceVersion", resourceVersion);
        }
        if (continueToken != null && !continueToken.isEmpty()) {
            md.put("continue", continueToken);
        }
        ArrayNode defs = t.putArray("columnDefinitions");
        if (withHeaders) {
            for (Column c : columns) {
                defs.addObject().put("name", c.name()).put("type", c.type())
                        .put("format", c == NAME ? "name" : "").put("description", c.description())
                        .put("priority", c.priority());
            }
        }
        ArrayNode rows = t.putArray("rows");
        for (JsonNode o : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Column c : columns) {
                Object v = c.cell().apply(o, now);
                if (v instanceof Long l) {
                    cells.add(l);
                } else {
                    cells.add(String.valueOf(v));
                }
            }
            row.set("object", includeObject ? o : partialMetadata(o));
        }
        return t;
    }

    private static ObjectNode partialMetadata(JsonNode o) {
        ObjectNode p = Json.object();
        p.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
        p.set("metadata", o.path("metadata").deepCopy());
        return p;
    }

    private static Column col(String name, String description, BiFunction<JsonNode, Instant, Object> cell) {
        return new Column(name, "string", 0, description, cell);
    }

    private static Column intCol(String name, String description, BiFunction<JsonNode, Instant, Object> cell) {
        return new Column(name, "integer", 0, description, cell);
    }

    private static Column wide(String name, String description, BiFunction<JsonNode, Instant, Object> cell) {
        return new Column(name, "string", 1, description, cell);
    }

    static String age(JsonNode o, Instant now) {
        return HumanDuration.since(o.path("metadata").path("creationTimestamp").asText(""), now);
    }

    private static String orNone(String s) {
        return s == null || s.isEmpty() ? "<none>" : s;
    }

    private static String orUnknown(String s) {
        return s == null || s.isEmpty() ? "<unknown>" : s;
    }

    private static String mapOrNone(JsonNode m) {
        StringJoiner j = new StringJoiner(",");
        m.fields().forEachRemaining(e -> j.add(e.getKey() + "=" + e.getValue().asText()));
        return orNone(j.toString());
    }

    private static Object podReady(JsonNode o, Instant now) {
        int total = o.path("spec").path("containers").size();
        int ready = 0;
        for (JsonNode cs : o.path("status").path("containerStatuses")) {
            if (cs.path("ready").asBoolean()) {
                ready++;
            }
        }
        return ready + "/" + total;
    }

    private static Object podRestarts(JsonNode o, Instant now) {
        long restarts = 0;
        String lastFinished = null;
        for (JsonNode cs : o.path("status").path("containerStatuses")) {
            restarts += cs.path("restartCount").asLong();
            String finished = cs.path("lastState").path("terminated").path("finishedAt").asText("");
            if (!finished.isEmpty() && (lastFinished == null || finished.compareTo(lastFinished) > 0)) {
                lastFinished = finished;
            }
        }
        if (restarts > 0 && lastFinished != null) {
            return restarts + " (" + HumanDuration.since(lastFinished, now) + " ago)";
        }
        return Long.toString(restarts);
    }

    private static String containers(JsonNode o, String field) {
        StringJoiner j = new StringJoiner(",");
        for (JsonNode c : o.path("spec").path("template").path("spec").path("containers")) {
            j.add(c.path(field).asText(""));
        }
        return j.toString();
    }

    private static String externalIps(JsonNode o) {
        StringJoiner j = new StringJoiner(",");
        for (JsonNode ip : o.path("spec").path("externalIPs")) {
            j.add(ip.asText());
        }
        for (JsonNode ing : o.path("status").path("loadBalancer").path("ingress")) {
            j.add(ing.path("ip").asText(ing.path("hostname").asText()));
        }
        if (j.length() == 0 && "LoadBalancer".equals(o.path("spec").path("type").asText())) {
            return "<pending>";
        }
        return orNone(j.toString());
    }

    private static String servicePorts(JsonNode o) {
        StringJoiner j = new StringJoiner(",");
        for (JsonNode p : o.path("spec").path("ports")) {
            String proto = p.path("protocol").asText("TCP");
            if (p.path("nodePort").asInt() > 0) {
                j.add(p.path("port").asInt() + ":" + p.path("nodePort").asInt() + "/" + proto);
            } else {
                j.add(p.path("port").asInt() + "/" + proto);
            }
        }
        return orNone(j.toString());
    }

    private static String nodeStatus(JsonNode o) {
        String status = "Unknown";
        for (JsonNode c : o.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                status = switch (c.path("status").asText()) {
                    case "True" -> "Ready";
                    case "False" -> "NotReady";
                    default -> "Unknown";
                };
            }
        }
        if (o.path("spec").path("unschedulable").asBoolean()) {
            status += ",SchedulingDisabled";
        }
        return status;
    }

    private static String nodeRoles(JsonNode o) {
        StringJoiner j = new StringJoiner(",");
        o.path("metadata").path("labels").fieldNames().forEachRemaining(k -> {
            if (k.startsWith("node-role.kubernetes.io/")) {
                j.add(k.substring("node-role.kubernetes.io/".length()));
            }
        });
        return orNone(j.toString());
    }

    private static String nodeAddress(JsonNode o, String type) {
        for (JsonNode a : o.path("status").path("addresses")) {
            if (type.equals(a.path("type").asText())) {
                return a.path("address").asText();
            }
        }
        return "<none>";
    }

    private static String endpoints(JsonNode o) {
        List<String> all = new ArrayList<>();
        for (JsonNode subset : o.path("subsets")) {
            for (JsonNode a : subset.path("addresses")) {
                if (subset.path("ports").isEmpty()) {
                    all.add(a.path("ip").asText());
                }
                for (JsonNode p : subset.path("ports")) {
                    all.add(a.path("ip").asText() + ":" + p.path("port").asInt());
                }
            }
        }
        if (all.isEmpty()) {
            return "<none>";
        }
        String shown = String.join(",", all.subList(0, Math.min(3, all.size())));
        return all.size() > 3 ? shown + " + " + (all.size() - 3) + " more..." : shown;
    }

    private static String lastSeen(JsonNode o, Instant now) {
        String t = o.path("lastTimestamp").asText("");
        if (t.isEmpty()) {
            t = o.path("eventTime").asText("");
        }
        if (t.isEmpty()) {
            t = o.path("metadata").path("creationTimestamp").asText("");
        }
        return HumanDuration.since(t, now);
    }
}
