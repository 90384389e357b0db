package dev.hawser.bench.load;

import java.net.URI;

/** A plain-text gRPC endpoint, given as etcd takes it: {@code http://host:port} or {@code host:port}. */
public record Endpoint(String host, int port) {
    public static Endpoint parse(String text) {
        String s = text.trim();
        if (s.startsWith("https://") || s.startsWith("unix:") || s.startsWith("unixs:")) {
            throw new IllegalArgumentException("only plain http endpoints are supported: '" + text + "'");
        }
        if (!s.startsWith("http://")) {
            s = "http://" + s;
        }
        URI uri;
        try {
            uri = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad endpoint '" + text + "' (want host:port or http://host:port)");
        }
        if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535
                || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
            throw new IllegalArgumentException("bad endpoint '" + text + "' (want host:port or http://host:port)");
        }
        return new Endpoint(uri.getHost(), uri.getPort());
    }

    @Override
    public String toString() {
        return "http://" + host + ":" + port;
    }
}
