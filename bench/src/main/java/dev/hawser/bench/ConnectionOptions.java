package dev.hawser.bench;

import dev.hawser.bench.load.Connections;
import dev.hawser.bench.load.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where to send load and over how many connections (etcd benchmark's global flags). */
public final class ConnectionOptions {
    @Option(names = "--endpoints", split = ",", defaultValue = "127.0.0.1:2379", paramLabel = "URL",
            description = "Comma-separated gRPC endpoints (host:port or http://host:port). Default: ${DEFAULT-VALUE}.")
    List<String> endpoints;

    @Option(names = "--conns", defaultValue = "1", description = "gRPC connections (default: ${DEFAULT-VALUE}).")
    int conns;

    @Option(names = "--target-leader", description = "Send everything to the leader's endpoint.")
    boolean targetLeader;

    @Option(names = "--dial-timeout", defaultValue = "5s", converter = DurationConverter.class,
            description = "How long to wait for each endpoint's first answer (default: ${DEFAULT-VALUE}).")
    Duration dialTimeout;

    @Option(names = "--request-timeout", defaultValue = "30s", converter = DurationConverter.class,
            description = "Deadline of each request (default: ${DEFAULT-VALUE}).")
    Duration requestTimeout;

    public List<Endpoint> parsedEndpoints(Validation v) {
        List<Endpoint> parsed = new ArrayList<>();
        for (String e : endpoints) {
            try {
                parsed.add(Endpoint.parse(e));
            } catch (IllegalArgumentException ex) {
                v.fail("--endpoints: " + ex.getMessage());
            }
        }
        if (parsed.isEmpty()) {
            v.fail("--endpoints: need at least one endpoint");
        }
        return parsed;
    }

    void validate(Validation v) {
        v.atLeast("--conns", conns, 1);
        parsedEndpoints(v);
    }

    public Connections open(Validation v) {
        return Connections.open(parsedEndpoints(v), conns, targetLeader, dialTimeout);
    }

    public long requestTimeoutMillis() {
        return requestTimeout.toMillis();
    }

    public List<String> endpointStrings() {
        return List.copyOf(endpoints);
    }

    public ConnectionOptions with(List<String> endpoints, int conns, boolean targetLeader) {
        ConnectionOptions o = new ConnectionOptions();
        o.endpoints = List.copyOf(endpoints);
        o.conns = conns;
        o.targetLeader = targetLeader;
        o.dialTimeout = dialTimeout == null ? Duration.ofSeconds(5) : dialTimeout;
        o.requestTimeout = requestTimeout == null ? Duration.ofSeconds(30) : requestTimeout;
        return o;
    }
}
