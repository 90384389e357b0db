package dev.hawser.bench;

import picocli.CommandLine.Command;

@Command(name = "watch", description = {
        "Benchmark watch fan-out: events delivered per second to many watchers while puts run unthrottled.",
        "Defaults: --watchers 1000, --put-total 1000, --put-rate 0 (no limit)."})
final class WatchCommand extends WatchBench {
    @Override
    int defaultWatchers() {
        return 1000;
    }

    @Override
    long defaultPutTotal() {
        return 1000;
    }

    @Override
    double defaultPutRate() {
        return 0;
    }
}
