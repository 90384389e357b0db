package dev.hawser.kvstore.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations as etcd's flags take them: "10m", "5s", "500ms", "1h30m". */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

    private Durations() {
    }

    public static long parseMillis(String flag, String text) {
        long total = parse(flag, text);
        if (total <= 0) {
            throw notADuration(flag, text);
        }
        return total;
    }

    /** A duration where 0 turns the feature off. */
    public static long parseMillisOrZero(String flag, String text) {
        return "0".equals(text) ? 0 : parse(flag, text);
    }

    private static long parse(String flag, String text) {
        Matcher m = PART.matcher(text);
        long total = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "h" -> n * 3_600_000L;
                case "m" -> n * 60_000L;
                case "s" -> n * 1_000L;
                default -> n;
            };
            at = m.end();
        }
        if (at != text.length() || text.isEmpty()) {
            throw notADuration(flag, text);
        }
        return total;
    }

    private static IllegalArgumentException notADuration(String flag, String text) {
        return new IllegalArgumentException(flag + ": '" + text + "' is not a duration such as 10m, 5s or 500ms");
    }
}
