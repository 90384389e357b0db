package dev.hawser.orchestrator.api;

import java.math.BigDecimal;

/** Kubernetes resource quantities ("100m", "0.5", "128Mi", "1G", "2e3") as millis (cpu) or bytes (memory). */
public final class Quantity {
    private Quantity() {
    }

    /** Thousandths of the unit: "100m" -> 100, "2" -> 2000. */
    public static long millis(String q) {
        return parse(q).movePointRight(3).longValue();
    }

    /** The value in base units, rounded up: "128Mi" -> 134217728. */
    public static long value(String q) {
        return parse(q).setScale(0, java.math.RoundingMode.CEILING).longValue();
    }

    static BigDecimal parse(String q) {
        String s = q == null ? "" : q.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty quantity");
        }
        String[][] suffixes = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
                {"Pi", "1125899906842624"}, {"Ei", "1152921504606846976"}, {"n", "0.000000001"}, {"u", "0.000001"},
                {"m", "0.001"}, {"k", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"},
                {"P", "1000000000000000"}, {"E", "1000000000000000000"}};
        for (String[] suffix : suffixes) {
            if (s.endsWith(suffix[0])) {
                return new BigDecimal(s.substring(0, s.length() - suffix[0].length())).multiply(new BigDecimal(suffix[1]));
            }
        }
        return new BigDecimal(s);
    }
}
