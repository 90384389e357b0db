package dev.hawser.kvstore.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hawser.kvstore.raft.RaftNode;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * etcd's --listen-metrics-urls: {@code /metrics} for Prometheus and {@code /health},
 * which is healthy while the member knows a leader (the same rule as etcd's).
 */
final class HttpEndpoints implements AutoCloseable {
    private final List<HttpServer> servers = new ArrayList<>();

    HttpEndpoints(List<URI> urls, RaftNode raft, PrometheusRegistry registry) throws IOException {
        for (URI url : urls) {
            HttpServer s = HttpServer.create(new InetSocketAddress(url.getHost(), url.getPort()), 16);
            s.createContext("/metrics", new MetricsHandler(registry));
            s.createContext("/health", ex -> health(ex, raft));
            s.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "http-" + url.getPort());
                t.setDaemon(true);
                return t;
            }));
            servers.add(s);
        }
    }

    void start() {
        servers.forEach(HttpServer::start);
    }

    private static void health(HttpExchange ex, RaftNode raft) throws IOException {
        boolean ok = raft.hasLeader();
        byte[] body = (ok ? "{\"health\":\"true\",\"reason\":\"\"}" : "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(ok ? 200 : 503, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
    }
}
