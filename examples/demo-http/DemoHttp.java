import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * A tiny HTTP server for trying the node agent and the service proxy: {@code java examples/demo-http/DemoHttp.java}.
 * Binds $POD_IP:$PORT (defaults 127.0.0.1:8080); "/" answers "hello from $POD_NAME version $VERSION",
 * "/healthz" answers 200. Every request is logged to stdout; SIGTERM stops it (logged, exit code 143).
 */
public final class DemoHttp {
    public static void main(String[] args) throws IOException {
        Map<String, String> env = System.getenv();
        String ip = env.getOrDefault("POD_IP", "127.0.0.1");
        int port = Integer.parseInt(env.getOrDefault("PORT", "8080"));
        String pod = env.getOrDefault("POD_NAME", "demo");
        String version = env.getOrDefault("VERSION", "1");
        HttpServer server = HttpServer.create(new InetSocketAddress(ip, port), 64);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            System.out.println(Instant.now() + " " + ex.getRemoteAddress().getAddress().getHostAddress() + " " + ex.getRequestMethod() + " " + path);
            switch (path) {
                case "/" -> reply(ex, 200, "hello from " + pod + " version " + version + "\n");
                case "/healthz" -> reply(ex, 200, "ok\n");
                default -> reply(ex, 404, "not found: " + path + "\n");
            }
        });
        // The JVM turns SIGTERM into an orderly exit with status 143, running this hook.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("received SIGTERM, shutting down");
            System.out.flush();
            server.stop(0);
        }));
        server.start();
        System.out.println("demo-http " + pod + " version " + version + " listening on " + ip + ":" + port);
    }

    private static void reply(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }
}
