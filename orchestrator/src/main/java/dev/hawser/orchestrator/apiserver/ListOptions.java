package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.LabelSelector;

import java.util.Map;

/** What a list or watch asks for: selectors, paging, and which resourceVersion to read at. */
public record ListOptions(LabelSelector labels, FieldSelector fields, long limit, String continueToken,
                          String resourceVersion, String resourceVersionMatch) {
    public static final ListOptions ALL = new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING, 0, "", "", "");

    static ListOptions from(Map<String, String> query) {
        long limit = 0;
        String l = query.getOrDefault("limit", "");
        if (!l.isEmpty()) {
            try {
                limit = Long.parseLong(l);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 0) {
                throw ApiException.badRequest("invalid limit \"" + l + "\": must be a non-negative integer");
            }
        }
        String rv = query.getOrDefault("resourceVersion", "");
        if (!rv.isEmpty()) {
            parseRevision(rv);
        }
        return new ListOptions(LabelSelector.parse(query.get("labelSelector")), FieldSelector.parse(query.get("fieldSelector")),
                limit, query.getOrDefault("continue", ""), rv, query.getOrDefault("resourceVersionMatch", ""));
    }

    static long parseRevision(String rv) {
        try {
            long r = Long.parseLong(rv);
            if (r < 0) {
                throw new NumberFormatException();
            }
            return r;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid resource version \"" + rv + "\"");
        }
    }

    boolean matches(com.fasterxml.jackson.databind.JsonNode o) {
        return labels.matches(o) && fields.matches(o);
    }
}
