package dev.hawser.orchestrator.cli;

import dev.hawser.kvstore.cli.Durations;
import picocli.CommandLine;

import java.time.Duration;

/** Go-style durations as Kubernetes flags take them (40s, 5m, 1h), parsed by the store's own flag parser. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String s) {
        try {
            return Duration.ofMillis(Durations.parseMillis("duration", s.trim()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
