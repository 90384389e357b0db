package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET pods/{name}/log}: the logs live with the node agent that runs the pod, so the API server
 * proxies the request to the agent's {@code /containerLogs} endpoint (as kube-apiserver does to the
 * kubelet) and streams its answer back; {@code follow=true} stays open while the container runs.
 */
final class PodLogs {
    private static final List<String> PASSED_ON = List.of("follow", "tailLines", "previous", "timestamps", "sinceSeconds", "limitBytes");

    private final ObjectStore objects;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService pumps = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "log-proxy");
        t.setDaemon(true);
        return t;
    });

    PodLogs(ObjectStore objects) {
        this.objects = objects;
    }

    void serve(Exchange ex, ObjectNode pod) {
        String name = Meta.name(pod);
        String container = ex.query().getOrDefault("container", "");
        JsonNode containers = pod.path("spec").path("containers");
        if (container.isEmpty()) {
            if (containers.size() != 1) {
                StringJoiner names = new StringJoiner(" ");
                containers.forEach(c -> names.add(c.path("name").asText()));
                throw ApiException.badRequest("a container name must be specified for pod " + name + ", choose one of: [" + names + "]");
            }
            container = containers.get(0).path("name").asText();
        }
        String nodeName = pod.path("spec").path("nodeName").asText("");
        if (nodeName.isEmpty()) {
            throw ApiException.badRequest("pod " + name + " does not have a host assigned");
        }
        ObjectNode node = objects.read(ResourceTypes.NODES, "", nodeName)
                .orElseThrow(() -> ApiException.badRequest("node \"" + nodeName + "\" of pod " + name + " no longer exists")).object();
        String address = "";
        for (JsonNode a : node.path("status").path("addresses")) {
            if ("InternalIP".equals(a.path("type").asText())) {
                address = a.path("address").asText();
            }
        }
        int port = node.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
        if (address.isEmpty() || port == 0) {
            throw new ApiException(503, "ServiceUnavailable", "node " + nodeName + " does not publish a log endpoint");
        }
        StringJoiner q = new StringJoiner("&");
        for (Map.Entry<String, String> e : ex.query().entrySet()) {
            if (PASSED_ON.contains(e.getKey())) {
                q.add(e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            }
        }
        URI uri = URI.create("http://" + address + ":" + port + "/containerLogs/" + Meta.namespace(pod) + "/" + name + "/"
                + URLEncoder.encode(container, StandardCharsets.UTF_8) + (q.length() > 0 ? "?" + q : ""));
        HttpResponse<InputStream> r;
        try {
            r = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ApiException(503, "ServiceUnavailable", "cannot reach the agent of node " + nodeName + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "ServiceUnavailable", "interrupted");
        }
        if (r.statusCode() != 200) {
            try (InputStream in = r.body()) {
                String text = new String(in.readNBytes(4096), StandardCharsets.UTF_8).trim();
                throw new ApiException(r.statusCode() == 404 ? 404 : 400, r.statusCode() == 404 ? "NotFound" : "BadRequest", text);
            } catch (IOException e) {
                throw new ApiException(503, "ServiceUnavailable", e.getMessage());
            }
        }
        InputStream body = r.body();
        ex.startStream("text/plain", () -> close(body));
        pumps.execute(() -> {
            byte[] buf = new byte[16 << 10];
            try (body) {
                int n;
                while ((n = body.read(buf)) >= 0) {
                    if (n > 0 && !ex.write(java.util.Arrays.copyOf(buf, n))) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the agent or the client went away: end the stream
            }
            ex.endStream();
        });
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing more to do with a stream nobody reads
        }
    }
}
