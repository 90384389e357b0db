package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.Meta;

import com.fasterxml.jackson.databind.JsonNode;

/** The one-word pod state kubectl shows in STATUS: Terminating, a container's reason, or the phase. */
final class PodStatus {
    private PodStatus() {
    }

    static String reason(JsonNode pod) {
        JsonNode status = pod.path("status");
        String reason = status.path("reason").asText(status.path("phase").asText("Pending"));
        for (JsonNode cs : status.path("containerStatuses")) {
            JsonNode state = cs.path("state");
            if (state.has("waiting") && !state.path("waiting").path("reason").asText().isEmpty()) {
                reason = state.path("waiting").path("reason").asText();
            } else if (state.has("terminated")) {
                JsonNode t = state.path("terminated");
                if (!t.path("reason").asText().isEmpty()) {
                    reason = t.path("reason").asText();
                } else if (t.path("signal").asInt() != 0) {
                    reason = "Signal:" + t.path("signal").asInt();
                } else {
                    reason = "ExitCode:" + t.path("exitCode").asInt();
                }
            }
        }
        if (Meta.isDeleting(pod)) {
            return "NodeLost".equals(status.path("reason").asText()) ? "Unknown" : "Terminating";
        }
        return reason;
    }
}
