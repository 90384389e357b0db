package dev.hawser.orchestrator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.agent.ContainerState.Terminated;

import java.time.Instant;

/**
 * Computes a pod's status from what runs: phase, the five conditions (a condition keeps its
 * lastTransitionTime while its status stays the same, so an unchanged pod yields an identical status
 * and no write), addresses, start time and container statuses. Fields the agent does not own
 * (qosClass, nominatedNodeName) are kept as they are.
 */
final class PodStatusView {
    private PodStatusView() {
    }

    /** Whether {@code c} gets another start under {@code restartPolicy}, unless the pod is stopping. */
    static boolean willRestart(String restartPolicy, ContainerRuntime c, boolean stopping) {
        if (stopping) {
            return false;
        }
        Terminated last = c.lastExit();
        if (last == null || c.isRunning()) {
            return true;
        }
        return switch (restartPolicy) {
            case "Never" -> false;
            case "OnFailure" -> last.exitCode() != 0;
            default -> true;
        };
    }

    static ObjectNode build(JsonNode pod, PodRuntime rt, String hostIp, Instant now) {
        JsonNode old = pod.path("status");
        ObjectNode s = old.isObject() ? ((ObjectNode) old).deepCopy() : Json.object();
        String policy = pod.path("spec").path("restartPolicy").asText("Always");
        boolean stopping = Meta.isDeleting(pod);
        ArrayNode statuses = Json.array();
        boolean allReady = true;
        boolean anyNeverStarted = false;
        boolean anyActive = false;
        boolean anyFailed = false;
        for (ContainerRuntime c : rt.containers()) {
            boolean restart = willRestart(policy, c, stopping);
            statuses.add(c.status(restart, now));
            allReady &= c.isReady();
            anyNeverStarted |= !c.hasStarted();
            anyActive |= c.isRunning() || restart;
            anyFailed |= c.lastExit() != null && c.lastExit().exitCode() != 0;
        }
        String phase;
        if (anyNeverStarted && anyActive) {
            phase = "Pending";
        } else if (anyActive) {
            phase = "Running";
        } else {
            phase = anyFailed ? "Failed" : "Succeeded";
        }
        s.put("phase", phase);
        s.put("hostIP", hostIp);
        s.putArray("hostIPs").addObject().put("ip", hostIp);
        s.put("podIP", rt.ip);
        s.putArray("podIPs").addObject().put("ip", rt.ip);
        s.put("startTime", Meta.timestamp(rt.startTime));
        boolean terminal = !anyActive;
        ArrayNode conditions = Json.array();
        conditions.add(condition(old, "PodReadyToStartContainers", !terminal, now));
        conditions.add(condition(old, "Initialized", true, now));
        conditions.add(withReason(condition(old, "Ready", allReady && !terminal, now), allReady || terminal ? null : "ContainersNotReady"));
        conditions.add(withReason(condition(old, "ContainersReady", allReady && !terminal, now), allReady || terminal ? null : "ContainersNotReady"));
        conditions.add(condition(old, "PodScheduled", true, now));
        s.set("conditions", conditions);
        s.set("containerStatuses", statuses);
        return s;
    }

    private static ObjectNode condition(JsonNode oldStatus, String type, boolean status, Instant now) {
        String value = status ? "True" : "False";
        ObjectNode c = Json.object().put("type", type).put("status", value);
        c.putNull("lastProbeTime");
        String since = Meta.timestamp(now);
        for (JsonNode o : oldStatus.path("conditions")) {
            if (type.equals(o.path("type").asText()) && value.equals(o.path("status").asText()) && o.hasNonNull("lastTransitionTime")) {
                since = o.get("lastTransitionTime").asText();
            }
        }
        c.put("lastTransitionTime", since);
        return c;
    }

    private static ObjectNode withReason(ObjectNode c, String reason) {
        if (reason != null) {
            c.put("reason", reason);
        }
        return c;
    }
}
