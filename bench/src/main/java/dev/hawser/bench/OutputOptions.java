package dev.hawser.bench;

import dev.hawser.bench.load.OutputFiles;
import dev.hawser.bench.load.Progress;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Option;

/** Where results go: JSON and PNG files (default under ./bench-results/), and whether to show a progress bar. */
public final class OutputOptions {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write the results as JSON here (default: bench-results/<command>-<time>.json).")
    Path json;

    @Option(names = "--plot", paramLabel = "FILE",
            description = "Write the latency/throughput plot (PNG) here (default: next to the JSON).")
    Path plot;

    @Option(names = "--no-files", description = "Write neither JSON nor plot.")
    boolean noFiles;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|on|off",
            description = "Progress bar on stderr; auto = when attached to a terminal (default: ${DEFAULT-VALUE}).")
    String progress;

    void validate(Validation v) {
        if (!java.util.Set.of("auto", "on", "off").contains(progress.toLowerCase(java.util.Locale.ROOT))) {
            v.fail("--progress must be auto, on or off (got '" + progress + "')");
        }
    }

    Progress progress() {
        return switch (progress.toLowerCase(java.util.Locale.ROOT)) {
            case "on" -> Progress.ON;
            case "off" -> Progress.OFF;
            default -> Progress.AUTO;
        };
    }

    OutputFiles files(String command) {
        if (noFiles) {
            return new OutputFiles(null, null);
        }
        Path j = json != null ? json
                : Path.of("bench-results", command + "-" + LocalDateTime.now().format(STAMP) + ".json");
        Path p = plot != null ? plot : j.resolveSibling(j.getFileName().toString().replaceFirst("\\.json$", "") + ".png");
        return new OutputFiles(j, p);
    }

    static OutputOptions none() {
        OutputOptions o = new OutputOptions();
        o.noFiles = true;
        o.progress = "off";
        return o;
    }
}
