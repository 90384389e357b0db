package dev.hawser.orchestrator.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/** Writes core/v1 Events about objects (what {@code kubectl describe} shows), off the caller's thread. */
public final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    private static final AtomicLong SEQ = new AtomicLong(System.nanoTime());

    private final ApiClient api;
    private final String component;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "event-recorder");
        t.setDaemon(true);
        return t;
    });

    public EventRecorder(ApiClient api, String component) {
        this.api = api;
        this.component = component;
    }

    public void normal(JsonNode about, String reason, String message) {
        record(about, "Normal", reason, message);
    }

    public void warning(JsonNode about, String reason, String message) {
        record(about, "Warning", reason, message);
    }

    private void record(JsonNode about, String type, String reason, String message) {
        String ns = Meta.namespace(about).isEmpty() ? "default" : Meta.namespace(about);
        String now = Meta.timestamp(Instant.now());
        ObjectNode e = Json.object();
        e.put("apiVersion", "v1").put("kind", "Event");
        e.putObject("metadata").put("name", Meta.name(about) + "." + Long.toHexString(SEQ.incrementAndGet())).put("namespace", ns);
        e.putObject("involvedObject").put("apiVersion", about.path("apiVersion").asText()).put("kind", about.path("kind").asText())
                .put("name", Meta.name(about)).put("namespace", Meta.namespace(about)).put("uid", Meta.uid(about))
                .put("resourceVersion", Meta.resourceVersion(about));
        e.put("type", type).put("reason", reason).put("message", message).put("count", 1)
                .put("firstTimestamp", now).put("lastTimestamp", now);
        e.putObject("source").put("component", component);
        e.put("reportingComponent", component);
        writer.execute(() -> {
            try {
                api.create(ResourceTypes.EVENTS, ns, e);
            } catch (ApiException ex) {
                LOG.debug("event {} about {} not recorded: {}", reason, Meta.name(about), ex.getMessage());
            }
        });
    }
}
