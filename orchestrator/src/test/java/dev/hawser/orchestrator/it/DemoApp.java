package dev.hawser.orchestrator.it;

import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** examples/demo-http compiled once per test class (starting it precompiled saves the per-start compile on a busy machine). */
final class DemoApp {
    private DemoApp() {
    }

    static Path compile(Path dir) {
        Path source = Path.of("..", "examples", "demo-http", "DemoHttp.java").toAbsolutePath().normalize();
        Path classes = dir.resolve("demo-classes");
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), source.toString());
        if (rc != 0) {
            throw new IllegalStateException("cannot compile " + source);
        }
        return classes;
    }

    static List<String> command(Path classes) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx24m", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xshare:auto", "-cp", classes.toString(), "DemoHttp");
    }

    /** One HTTP/1.0 GET on a fresh connection; the body, or null if the connection failed. */
    static String get(String host, int port, String path) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int body = response.indexOf("\r\n\r\n");
            return body < 0 ? null : response.substring(body + 4);
        } catch (IOException e) {
            return null;
        }
    }
}
