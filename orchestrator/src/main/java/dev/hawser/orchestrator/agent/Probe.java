package dev.hawser.orchestrator.agent;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One probe of a container spec with Kubernetes' defaults (delay 0, period 10 s, timeout 1 s,
 * success 1, failure 3) and its check: httpGet succeeds on 200..399, tcpSocket when the connect
 * succeeds, exec when the command exits 0 within the timeout.
 */
record Probe(JsonNode spec, Duration initialDelay, Duration period, Duration timeout, int successThreshold, int failureThreshold) {

    static Probe of(JsonNode spec) {
        if (spec == null || spec.isMissingNode() || spec.isNull()) {
            return null;
        }
        return new Probe(spec, Duration.ofSeconds(spec.path("initialDelaySeconds").asLong(0)),
                Duration.ofSeconds(Math.max(1, spec.path("periodSeconds").asLong(10))),
                Duration.ofSeconds(Math.max(1, spec.path("timeoutSeconds").asLong(1))),
                Math.max(1, spec.path("successThreshold").asInt(1)), Math.max(1, spec.path("failureThreshold").asInt(3)));
    }

    /** Runs the check once; never throws: any error is a failure. */
    boolean check(String podIp, JsonNode container, Map<String, String> env, Path workingDir) {
        try {
            if (spec.has("httpGet")) {
                return httpGet(spec.get("httpGet"), podIp, container);
            }
            if (spec.has("tcpSocket")) {
                JsonNode t = spec.get("tcpSocket");
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(t.path("host").asText(podIp), port(t.path("port"), container)), (int) timeout.toMillis());
                    return true;
                }
            }
            if (spec.has("exec")) {
                return exec(spec.get("exec"), env, workingDir);
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean httpGet(JsonNode h, String podIp, JsonNode container) throws IOException {
        String scheme = h.path("scheme").asText("HTTP").toLowerCase(java.util.Locale.ROOT);
        String path = h.path("path").asText("/");
        URI uri = URI.create(scheme + "://" + h.path("host").asText(podIp) + ":" + port(h.path("port"), container)
                + (path.startsWith("/") ? path : "/" + path));
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout((int) timeout.toMillis());
        c.setReadTimeout((int) timeout.toMillis());
        c.setRequestProperty("User-Agent", "hawser-probe/1");
        for (JsonNode header : h.path("httpHeaders")) {
            c.setRequestProperty(header.path("name").asText(), header.path("value").asText());
        }
        try {
            int code = c.getResponseCode();
            return code >= 200 && code < 400;
        } finally {
            c.disconnect();
        }
    }

    private boolean exec(JsonNode e, Map<String, String> env, Path workingDir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        e.path("command").forEach(a -> cmd.add(a.asText()));
        if (cmd.isEmpty()) {
            return false;
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workingDir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }

    /** A port number, or the name of one of the container's ports. */
    static int port(JsonNode port, JsonNode container) {
        if (port.isInt()) {
            return port.asInt();
        }
        String name = port.asText();
        if (name.matches("\\d+")) {
            return Integer.parseInt(name);
        }
        for (JsonNode p : container.path("ports")) {
            if (name.equals(p.path("name").asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new IllegalArgumentException("container has no port named " + name);
    }
}
