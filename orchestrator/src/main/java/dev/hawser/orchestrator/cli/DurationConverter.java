package dev.hawser.orchestrator.cli;

import picocli.CommandLine;

import java.time.Duration;

/** Go-style durations as Kubernetes flags take them: 500ms, 40s, 5m, 1h. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String s) {
        String v = s.trim();
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            return switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new CommandLine.TypeConversionException("'" + s + "' is not a duration like 40s, 5m or 1h");
            };
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new CommandLine.TypeConversionException("'" + s + "' is not a duration like 40s, 5m or 1h");
        }
    }
}
