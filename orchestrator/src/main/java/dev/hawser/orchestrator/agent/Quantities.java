package dev.hawser.orchestrator.agent;

import java.math.BigDecimal;

/** Kubernetes resource quantities ("500m", "2", "128Mi", "1G") as numbers. */
final class Quantities {
    private Quantities() {
    }

    /** CPU in millicores. */
    static long millicores(String q) {
        String s = q.trim();
        if (s.endsWith("m")) {
            return Long.parseLong(s.substring(0, s.length() - 1));
        }
        return new BigDecimal(s).multiply(BigDecimal.valueOf(1000)).longValue();
    }

    static long bytes(String q) {
        String s = q.trim();
        String[][] suffixes = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
                {"k", "1000"}, {"K", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};
        for (String[] sfx : suffixes) {
            if (s.endsWith(sfx[0])) {
                return new BigDecimal(s.substring(0, s.length() - sfx[0].length())).multiply(new BigDecimal(sfx[1])).longValue();
            }
        }
        return new BigDecimal(s).longValue();
    }
}
