package dev.hawser.bench;

import dev.hawser.bench.load.LoadRunner;
import dev.hawser.bench.load.Progress;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How much load: clients (each with one request in flight), how many requests or for how long, and a rate cap. */
public final class RunOptions {
    static final long DEFAULT_TOTAL = 10_000;

    @Option(names = "--clients", defaultValue = "1",
            description = "Concurrent clients, spread round-robin over the connections (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--total", description = "Requests to send (default: 10000, or unlimited with --duration).")
    Long total;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "Send for this long (e.g. 30s); with --total, stops at whichever comes first.")
    Duration duration;

    @Option(names = "--rate", defaultValue = "0",
            description = "Maximum requests per second over all clients; 0 = no limit (default).")
    double rate;

    void validate(Validation v) {
        v.atLeast("--clients", clients, 1);
        if (total != null) {
            v.atLeast("--total", total, 1);
        }
        v.atLeast("--rate", rate, 0);
    }

    long total() {
        return total != null ? total : duration != null ? Long.MAX_VALUE : DEFAULT_TOTAL;
    }

    LoadRunner.Plan plan(String name, Progress progress) {
        return new LoadRunner.Plan(name, clients, total(), duration, rate, progress);
    }

    static RunOptions of(int clients, long total, Duration duration, double rate) {
        RunOptions o = new RunOptions();
        o.clients = clients;
        o.total = total;
        o.duration = duration;
        o.rate = rate;
        return o;
    }
}
