package dev.hawser.orchestrator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed and hostile HTTP requests against a live API server: wrong methods, odd paths, bad query
 * values, bodies that are huge, deeply nested, invalid UTF-8 or of the wrong types. Every one must get
 * a 4xx answer with a Status body (never a 5xx or a dropped connection), and an object outside the
 * requests' reach must stay unchanged.
 */
class HostileRequestsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static ControlPlane plane;
    private static String server;
    private static HttpClient http;
    private static String sentinelRv;

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("hostile-it");
        plane = ControlPlane.start(1, dir);
        server = plane.startApiServer();
        try (InputStream ca = Files.newInputStream(plane.pki().resolve("ca.crt"))) {
            SSLContext ssl = dev.hawser.orchestrator.client.KubeConfig.trusting(ca);
            http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
        }
        send("POST", "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"fuzz\"}}".getBytes(StandardCharsets.UTF_8), "application/json");
        HttpResponse<String> sentinel = send("POST", "/api/v1/namespaces/default/configmaps",
                "{\"metadata\":{\"name\":\"sentinel\"},\"data\":{\"k\":\"v\"}}".getBytes(StandardCharsets.UTF_8), "application/json");
        assertEquals(201, sentinel.statusCode(), sentinel.body());
        sentinelRv = JSON.readTree(sentinel.body()).path("metadata").path("resourceVersion").asText();
    }

    @AfterContainer
    static void stop() throws Exception {
        HttpResponse<String> sentinel = send("GET", "/api/v1/namespaces/default/configmaps/sentinel", null, null);
        assertEquals(200, sentinel.statusCode());
        assertEquals(sentinelRv, JSON.readTree(sentinel.body()).path("metadata").path("resourceVersion").asText(),
                "the sentinel object was not changed by any hostile request");
        assertEquals(200, send("GET", "/healthz", null, null).statusCode());
        plane.close();
    }

    record Hostile(String method, String path, byte[] body, String contentType) {
        @Override
        public String toString() {
            return method + " " + path + " [" + contentType + ", " + (body == null ? 0 : body.length) + " bytes: "
                    + (body == null ? "" : new String(body, 0, Math.min(body.length, 120), StandardCharsets.UTF_8)) + "]";
        }
    }

    @Property(tries = 250)
    void everyHostileRequestGetsAClientErrorAndTheServerStaysUp(@ForAll("hostile") Hostile r) throws Exception {
        HttpResponse<String> response = send(r.method(), r.path(), r.body(), r.contentType());
        int code = response.statusCode();
        assertTrue(code >= 400 && code < 500, r + " -> " + code + " " + response.body());
        if (code != 413) {
            JsonNode status = JSON.readTree(response.body());
            assertEquals("Status", status.path("kind").asText(), response.body());
            assertEquals(code, status.path("code").asInt());
        }
    }

    @Provide
    Arbitrary<Hostile> hostile() {
        Arbitrary<String> paths = Arbitraries.of(
                "/api/v1/namespaces/fuzz/pods", "/api/v1/namespaces/fuzz/configmaps", "/apis/apps/v1/namespaces/fuzz/deployments",
                "/api/v1/namespaces/fuzz/services", "/api/v1/namespaces/fuzz/secrets");
        Arbitrary<String> badPaths = Arbitraries.of(
                "/api/v1/namespaces/fuzz/frobnicators", "/apis/nope/v9/things", "/api/v1/namespaces/fuzz/pods/x/y/z/w",
                "/api/v1/nodes/../../etc/passwd", "/api/v1/namespaces/%00/pods", "/api/v1/namespaces/fuzz/pods/" + "a".repeat(300),
                "/api/v1/namespaces/fuzz/pods/x/exec", "/apis/apps/v1/namespaces/fuzz/deployments/x/rollback");
        Arbitrary<String> queries = Arbitraries.of("?limit=-1", "?limit=abc", "?resourceVersion=-5&watch=true", "?resourceVersion=xyz",
                "?labelSelector=%3D%3D%3D", "?labelSelector=a%20in%20(", "?fieldSelector=metadata.name", "?continue=%FF%FE",
                "?timeoutSeconds=abc&watch=1", "?limit=99999999999999999999");
        Arbitrary<byte[]> bodies = Arbitraries.oneOf(
                Arbitraries.of("{", "[]", "null", "42", "\"str\"", "{\"metadata\":[]}", "{\"metadata\":{\"name\":5}}",
                        "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":\"no\"}}",
                        "{\"metadata\":{\"name\":\"UPPER_case\"},\"spec\":{\"replicas\":-3}}",
                        "{\"metadata\":{\"name\":\"x\",\"labels\":{\"bad key\":\"v\"}}}",
                        "{\"apiVersion\":\"v2\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"}}",
                        "{\"metadata\":{\"name\":\"s\"},\"data\":{\"k\":\"not base64!!\"}}",
                        "{\"metadata\":{\"name\":\"dup\"},\"metadata\":{\"name\":\"dup2\"}}")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.integers().between(101, 3000).map(depth -> ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8)),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64).map(b -> {
                    byte[] out = new byte[b.length + 2];
                    out[0] = (byte) 0xC3;
                    out[1] = (byte) 0x28; // invalid UTF-8 first, then random bytes
                    System.arraycopy(b, 0, out, 2, b.length);
                    return out;
                }),
                Arbitraries.just(("{\"metadata\":{\"name\":\"big\"},\"data\":{\"k\":\"" + "x".repeat(4 << 20) + "\"}}").getBytes(StandardCharsets.UTF_8)));
        Arbitrary<Hostile> badBodies = Combinators.combine(Arbitraries.of("POST", "PUT", "PATCH"), paths, bodies,
                Arbitraries.of("application/json", "application/merge-patch+json", "application/strategic-merge-patch+json",
                        "application/json-patch+json", "text/plain", "application/vnd.kubernetes.protobuf"))
                .as((m, p, b, ct) -> new Hostile(m, m.equals("POST") ? p : p + "/target", b, ct));
        Arbitrary<Hostile> badUrls = Combinators.combine(Arbitraries.of("GET", "DELETE", "POST", "OPTIONS"), badPaths)
                .as((m, p) -> new Hostile(m, p, m.equals("POST") ? "{}".getBytes(StandardCharsets.UTF_8) : null, "application/json"));
        Arbitrary<Hostile> badQueries = Combinators.combine(paths, queries).as((p, q) -> new Hostile("GET", p + q, null, null));
        Arbitrary<Hostile> notAllowed = paths.map(p -> new Hostile("PUT", p, "{}".getBytes(StandardCharsets.UTF_8), "application/json"));
        return Arbitraries.oneOf(badBodies, badUrls, badQueries, notAllowed);
    }

    private static HttpResponse<String> send(String method, String path, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ControlPlane.ADMIN_TOKEN);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

}
