package dev.hawser.orchestrator.agent;

import java.time.Instant;
import java.util.Map;

/** The query of {@code GET /containerLogs/...}, with the meanings kubectl logs gives its flags. */
record LogOptions(boolean follow, boolean previous, boolean timestamps, Integer tailLines, Instant since, Long limitBytes) {

    static LogOptions parse(Map<String, String> query, Instant now) {
        Integer tail = query.containsKey("tailLines") ? Integer.parseInt(query.get("tailLines")) : null;
        Instant since = query.containsKey("sinceSeconds") ? now.minusSeconds(Long.parseLong(query.get("sinceSeconds"))) : null;
        if (query.containsKey("sinceTime")) {
            since = Instant.parse(query.get("sinceTime"));
        }
        Long limit = query.containsKey("limitBytes") ? Long.parseLong(query.get("limitBytes")) : null;
        return new LogOptions(flag(query, "follow"), flag(query, "previous"), flag(query, "timestamps"),
                tail == null || tail < 0 ? null : tail, since, limit == null || limit <= 0 ? null : limit);
    }

    private static boolean flag(Map<String, String> query, String name) {
        return "true".equalsIgnoreCase(query.get(name)) || "1".equals(query.get(name));
    }
}
