package dev.hawser.orchestrator.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The agent's HTTP endpoint (the kubelet's port): {@code GET /containerLogs/{ns}/{pod}/{container}}
 * with the kubelet's query parameters, which the API server proxies {@code pods/{name}/log} to, and
 * {@code /healthz}. A followed log is a chunked response that ends when the container instance has
 * stopped and everything it wrote has been sent.
 */
final class LogServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService handlers;

    LogServer(String address, int port, PodSync pods, Clock clock) throws IOException {
        this.server = HttpServer.create(new InetSocketAddress(address, port), 64);
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "agent-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(handlers);
        server.createContext("/healthz", ex -> reply(ex, 200, "ok"));
        server.createContext("/containerLogs/", ex -> {
            try (ex) {
                serveLogs(ex, pods, clock);
            } catch (IOException | RuntimeException e) {
                // the client went away mid-stream, or the request was malformed and already answered
            }
        });
    }

    void start() {
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void serveLogs(HttpExchange ex, PodSync pods, Clock clock) throws IOException {
        String[] parts = ex.getRequestURI().getRawPath().substring("/containerLogs/".length()).split("/");
        if (parts.length != 3 || !ex.getRequestMethod().equals("GET")) {
            reply(ex, 400, "expected GET /containerLogs/{namespace}/{pod}/{container}");
            return;
        }
        String ns = decode(parts[0]);
        String podName = decode(parts[1]);
        String container = decode(parts[2]);
        LogOptions options;
        try {
            options = LogOptions.parse(query(ex.getRequestURI().getRawQuery()), clock.instant());
        } catch (RuntimeException e) {
            reply(ex, 400, "invalid log options: " + e.getMessage());
            return;
        }
        var pod = pods.runtime(ns, podName);
        if (pod.isEmpty()) {
            reply(ex, 404, "pod " + ns + "/" + podName + " is not running on this node");
            return;
        }
        ContainerRuntime c = pod.get().container(container);
        if (c == null) {
            reply(ex, 404, "container " + container + " is not valid for pod " + podName);
            return;
        }
        ContainerRuntime.LogView view = c.logView(options.previous());
        if (view == null) {
            reply(ex, 400, options.previous()
                    ? "previous terminated container \"" + container + "\" in pod \"" + podName + "\" not found"
                    : "container \"" + container + "\" in pod \"" + podName + "\" is waiting to start: ContainerCreating");
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            LogReader.copy(view.file(), options, view.writing(), out);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    q.put(decode(kv.substring(0, eq)), decode(kv.substring(eq + 1)));
                } else if (!kv.isEmpty()) {
                    q.put(decode(kv), "true");
                }
            }
        }
        return q;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static void reply(HttpExchange ex, int code, String text) throws IOException {
        byte[] b = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }
}
