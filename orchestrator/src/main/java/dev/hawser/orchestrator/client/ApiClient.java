package dev.hawser.orchestrator.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.ResourceType;

import javax.net.ssl.SSLContext;
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
import java.util.Optional;

/**
 * A client of the orchestrator's REST API, for controllers, the scheduler and node agents (the role
 * client-go's dynamic client plays). Failures come back as {@link ApiException} with the server's
 * code and reason, so callers branch on 404/409/410 as Kubernetes controllers do.
 */
public final class ApiClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI server;
    private final String token;
    private final HttpClient http;

    public ApiClient(URI server, String token, SSLContext ssl) {
        this.server = server;
        this.token = token;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
    }

    public URI server() {
        return server;
    }

    /** The collection URL of {@code type} in {@code namespace} ("" = all namespaces, or cluster-scoped). */
    public static String collectionPath(ResourceType type, String namespace) {
        String base = type.group().isEmpty() ? "/api/" + type.version() : "/apis/" + type.group() + "/" + type.version();
        return type.namespaced() && !namespace.isEmpty() ? base + "/namespaces/" + namespace + "/" + type.plural() : base + "/" + type.plural();
    }

    public static String objectPath(ResourceType type, String namespace, String name) {
        return collectionPath(type, namespace) + "/" + name;
    }

    public Optional<ObjectNode> get(ResourceType type, String namespace, String name) {
        try {
            return Optional.of((ObjectNode) send("GET", objectPath(type, namespace, name), null, null));
        } catch (ApiException e) {
            if (e.code() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** A full list (all pages); {@code query} is extra query text such as "labelSelector=app%3Dweb". */
    public ObjectNode list(ResourceType type, String namespace, String query) {
        return (ObjectNode) send("GET", collectionPath(type, namespace) + (query == null || query.isEmpty() ? "" : "?" + query), null, null);
    }

    public ObjectNode create(ResourceType type, String namespace, ObjectNode object) {
        return (ObjectNode) send("POST", collectionPath(type, namespace), "application/json", object);
    }

    /** PUT of the whole object, conditional on its metadata.resourceVersion (409 if someone wrote in between). */
    public ObjectNode update(ResourceType type, ObjectNode object) {
        return (ObjectNode) send("PUT", objectPath(type, ns(object), name(object)), "application/json", object);
    }

    public ObjectNode updateStatus(ResourceType type, ObjectNode object) {
        return (ObjectNode) send("PUT", objectPath(type, ns(object), name(object)) + "/status", "application/json", object);
    }

    /** PATCH with a merge patch ("application/merge-patch+json") or another patch type, on the object or a subresource. */
    public ObjectNode patch(ResourceType type, String namespace, String name, String subresource, String contentType, JsonNode patch) {
        String path = objectPath(type, namespace, name) + (subresource == null ? "" : "/" + subresource);
        return (ObjectNode) send("PATCH", path, contentType, patch);
    }

    /** DELETE; a missing object is not an error (it is what the caller wanted). */
    public void delete(ResourceType type, String namespace, String name, ObjectNode options) {
        try {
            send("DELETE", objectPath(type, namespace, name), options == null ? null : "application/json", options);
        } catch (ApiException e) {
            if (e.code() != 404) {
                throw e;
            }
        }
    }

    /** POST to a subresource such as pods/{name}/binding. */
    public JsonNode post(String path, ObjectNode body) {
        return send("POST", path, "application/json", body);
    }

    /** PUT to a subresource such as namespaces/{name}/finalize. */
    public JsonNode put(String path, ObjectNode body) {
        return send("PUT", path, "application/json", body);
    }

    /** Opens a watch stream; the caller reads lines until it ends (server timeout) or closes it. */
    public InputStream watch(ResourceType type, String namespace, String resourceVersion, String query) {
        String q = "watch=true&allowWatchBookmarks=true&resourceVersion=" + enc(resourceVersion)
                + (query == null || query.isEmpty() ? "" : "&" + query);
        HttpRequest req = request(collectionPath(type, namespace) + "?" + q).timeout(Duration.ofMinutes(70)).GET().build();
        try {
            HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                try (InputStream in = r.body()) {
                    throw error(r.statusCode(), in.readAllBytes());
                }
            }
            return r.body();
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(e);
        }
    }

    /** A GET returning raw bytes (pod logs, health). */
    public HttpResponse<InputStream> raw(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(request(pathAndQuery).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private JsonNode send(String method, String path, String contentType, JsonNode body) {
        HttpRequest.Builder b = request(path).timeout(TIMEOUT);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        }
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 300) {
                throw error(r.statusCode(), r.body());
            }
            return r.body().length == 0 ? Json.object() : Json.parse(r.body());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(e);
        }
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(pathAndQuery)).header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private static ApiException error(int code, byte[] body) {
        try {
            JsonNode s = Json.parse(body);
            return new ApiException(code, s.path("reason").asText("Unknown"), s.path("message").asText(new String(body, StandardCharsets.UTF_8)));
        } catch (ApiException notJson) {
            return new ApiException(code, "Unknown", new String(body, StandardCharsets.UTF_8));
        }
    }

    private ApiException unreachable(Exception e) {
        return new ApiException(503, "ServiceUnavailable", "cannot reach the API server at " + server + ": " + e);
    }

    public static String enc(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }

    private static String ns(JsonNode o) {
        return o.path("metadata").path("namespace").asText("");
    }

    private static String name(JsonNode o) {
        return o.path("metadata").path("name").asText("");
    }

    /** Items of a list response, as objects. */
    public static List<ObjectNode> items(JsonNode list) {
        List<ObjectNode> out = new java.util.ArrayList<>();
        list.path("items").forEach(i -> out.add((ObjectNode) i));
        return out;
    }
}
