package dev.hawser.orchestrator.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.Quantity;

import java.util.Map;

/** The scheduler's filters and scores for one pod on one node. */
final class NodeFit {
    /** What scoring assumes for containers without requests (as kube-scheduler does). */
    private static final long DEFAULT_CPU_MILLIS = 100;
    private static final long DEFAULT_MEMORY = 200L << 20;

    record Usage(long cpuMillis, long memory, int pods, long scoreCpu, long scoreMemory) {
        static final Usage NONE = new Usage(0, 0, 0, 0, 0);

        static Usage of(JsonNode pod) {
            long cpu = 0;
            long mem = 0;
            long scoreCpu = 0;
            long scoreMem = 0;
            for (JsonNode c : pod.path("spec").path("containers")) {
                JsonNode req = c.path("resources").path("requests");
                long cc = req.has("cpu") ? Quantity.millis(req.get("cpu").asText()) : 0;
                long mm = req.has("memory") ? Quantity.value(req.get("memory").asText()) : 0;
                cpu += cc;
                mem += mm;
                scoreCpu += cc == 0 ? DEFAULT_CPU_MILLIS : cc;
                scoreMem += mm == 0 ? DEFAULT_MEMORY : mm;
            }
            return new Usage(cpu, mem, 1, scoreCpu, scoreMem);
        }

        Usage plus(Usage o) {
            return new Usage(cpuMillis + o.cpuMillis, memory + o.memory, pods + o.pods, scoreCpu + o.scoreCpu, scoreMemory + o.scoreMemory);
        }
    }

    private NodeFit() {
    }

    static boolean isReady(JsonNode node) {
        for (JsonNode c : node.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                return "True".equals(c.path("status").asText());
            }
        }
        return false;
    }

    /** Null if the pod fits the node, else the reason in kube-scheduler's words. */
    static String whyNot(JsonNode pod, JsonNode node, Usage used) {
        if (!isReady(node)) {
            return "node(s) were not ready";
        }
        if (node.path("spec").path("unschedulable").asBoolean()) {
            return "node(s) were unschedulable";
        }
        for (JsonNode taint : node.path("spec").path("taints")) {
            String effect = taint.path("effect").asText();
            if ((effect.equals("NoSchedule") || effect.equals("NoExecute")) && !tolerates(pod, taint)) {
                return "node(s) had untolerated taint {" + taint.path("key").asText() + ": " + taint.path("value").asText() + "}";
            }
        }
        Map<String, String> labels = Meta.labels(node);
        var selector = pod.path("spec").path("nodeSelector");
        for (var it = selector.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
                return "node(s) didn't match Pod's node affinity/selector";
            }
        }
        JsonNode alloc = node.path("status").path("allocatable");
        Usage want = Usage.of(pod);
        if (alloc.has("pods") && used.pods() + 1 > alloc.path("pods").asLong()) {
            return "Too many pods";
        }
        if (alloc.has("cpu") && want.cpuMillis() > 0 && used.cpuMillis() + want.cpuMillis() > Quantity.millis(alloc.get("cpu").asText())) {
            return "Insufficient cpu";
        }
        if (alloc.has("memory") && want.memory() > 0 && used.memory() + want.memory() > Quantity.value(alloc.get("memory").asText())) {
            return "Insufficient memory";
        }
        return null;
    }

    private static boolean tolerates(JsonNode pod, JsonNode taint) {
        for (JsonNode t : pod.path("spec").path("tolerations")) {
            boolean keyMatches = t.path("key").asText("").isEmpty() && "Exists".equals(t.path("operator").asText())
                    || t.path("key").asText("").equals(taint.path("key").asText());
            boolean valueMatches = "Exists".equals(t.path("operator").asText()) || t.path("value").asText("").equals(taint.path("value").asText(""));
            boolean effectMatches = t.path("effect").asText("").isEmpty() || t.path("effect").asText().equals(taint.path("effect").asText());
            if (keyMatches && valueMatches && effectMatches) {
                return true;
            }
        }
        return false;
    }

    /**
     * Least-allocated score (0-100, mean of cpu and memory free fractions after placing the pod),
     * minus a spreading penalty per replica of the same owner already on the node.
     */
    static double score(JsonNode pod, JsonNode node, Usage used, int sameOwnerOnNode) {
        JsonNode alloc = node.path("status").path("allocatable");
        Usage want = Usage.of(pod);
        double cpuCap = alloc.has("cpu") ? Quantity.millis(alloc.get("cpu").asText()) : 4000;
        double memCap = alloc.has("memory") ? Quantity.value(alloc.get("memory").asText()) : 8L << 30;
        double cpuFree = Math.max(0, (cpuCap - used.scoreCpu() - want.scoreCpu()) * 100 / cpuCap);
        double memFree = Math.max(0, (memCap - used.scoreMemory() - want.scoreMemory()) * 100 / memCap);
        return (cpuFree + memFree) / 2 - 25.0 * sameOwnerOnNode;
    }
}
