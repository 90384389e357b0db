package dev.hawser.bench;

import picocli.CommandLine.Command;

@Command(name = "watch-latency", description = {
        "Benchmark watch latency: time from a put's send to each watcher's event, at a steady put rate.",
        "Defaults: --watchers 100, --put-total 1000, --put-rate 100."})
final class WatchLatencyCommand extends WatchBench {
    @Override
    int defaultWatchers() {
        return 100;
    }

    @Override
    long defaultPutTotal() {
        return 1000;
    }

    @Override
    double defaultPutRate() {
        return 100;
    }
}
