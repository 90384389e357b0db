package dev.hawser.orchestrator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.UUID;

/** Writes core/v1 Events about pods (what {@code kubectl describe pod} lists); a failed write is only logged. */
final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

    private final ApiClient api;
    private final String nodeName;

    EventRecorder(ApiClient api, String nodeName) {
        this.api = api;
        this.nodeName = nodeName;
    }

    void normal(JsonNode pod, String reason, String message) {
        record(pod, "Normal", reason, message);
    }

    void warning(JsonNode pod, String reason, String message) {
        record(pod, "Warning", reason, message);
    }

    private void record(JsonNode pod, String type, String reason, String message) {
        String now = Meta.now();
        ObjectNode e = Json.object();
        e.put("apiVersion", "v1").put("kind", "Event");
        e.putObject("metadata").put("name", Meta.name(pod) + "." + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT))
                .put("namespace", Meta.namespace(pod));
        e.putObject("involvedObject").put("kind", "Pod").put("apiVersion", "v1").put("namespace", Meta.namespace(pod))
                .put("name", Meta.name(pod)).put("uid", Meta.uid(pod));
        e.put("type", type).put("reason", reason).put("message", message).put("count", 1)
                .put("firstTimestamp", now).put("lastTimestamp", now);
        e.putObject("source").put("component", "hawser-agent").put("host", nodeName);
        e.put("reportingComponent", "hawser-agent").put("reportingInstance", nodeName);
        try {
            api.create(ResourceTypes.EVENTS, Meta.namespace(pod), e);
        } catch (ApiException ex) {
            LOG.debug("cannot record event {} for pod {}/{}: {}", reason, Meta.namespace(pod), Meta.name(pod), ex.getMessage());
        }
    }
}
