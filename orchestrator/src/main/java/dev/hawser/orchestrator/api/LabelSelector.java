package dev.hawser.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * A label selector: the query-string form ({@code app=web,tier!=db,env in (a,b),!canary}) and the
 * object form ({@code matchLabels} + {@code matchExpressions}) compile to the same requirements.
 */
public final class LabelSelector {
    enum Op { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    record Requirement(String key, Op op, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (op) {
                case EQUALS, IN -> v != null && values.contains(v);
                case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null;
                case DOES_NOT_EXIST -> v == null;
            };
        }
    }

    public static final LabelSelector EVERYTHING = new LabelSelector(List.of());
    /** What a nil selector means where a selector is required (it selects nothing). */
    public static final LabelSelector NOTHING = new LabelSelector(null);

    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = requirements;
    }

    public boolean isEmpty() {
        return requirements != null && requirements.isEmpty();
    }

    public boolean matches(Map<String, String> labels) {
        if (requirements == null) {
            return false;
        }
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    public boolean matches(JsonNode object) {
        return matches(Meta.labels(object));
    }

    /** Parses the query-string form; throws a 400 on syntax errors. */
    public static LabelSelector parse(String s) {
        if (s == null || s.isBlank()) {
            return EVERYTHING;
        }
        List<Requirement> rs = new ArrayList<>();
        for (String term : splitTopLevel(s)) {
            rs.add(parseTerm(term.trim(), s));
        }
        return new LabelSelector(rs);
    }

    /** The object form, as in a Deployment's {@code spec.selector}. */
    public static LabelSelector fromObject(JsonNode sel) {
        if (sel == null || sel.isMissingNode() || sel.isNull()) {
            return NOTHING;
        }
        List<Requirement> rs = new ArrayList<>();
        sel.path("matchLabels").fields().forEachRemaining(e ->
                rs.add(new Requirement(e.getKey(), Op.EQUALS, Set.of(e.getValue().asText()))));
        for (JsonNode e : sel.path("matchExpressions")) {
            Set<String> values = new LinkedHashSet<>();
            e.path("values").forEach(v -> values.add(v.asText()));
            Op op = switch (e.path("operator").asText()) {
                case "In" -> Op.IN;
                case "NotIn" -> Op.NOT_IN;
                case "Exists" -> Op.EXISTS;
                case "DoesNotExist" -> Op.DOES_NOT_EXIST;
                default -> throw ApiException.badRequest("\"" + e.path("operator").asText() + "\" is not a valid label selector operator");
            };
            rs.add(new Requirement(e.path("key").asText(), op, values));
        }
        return new LabelSelector(rs);
    }

    /** A plain label map ({@code spec.selector} of a Service) as a selector. */
    public static LabelSelector fromMap(Map<String, String> labels) {
        List<Requirement> rs = new ArrayList<>();
        labels.forEach((k, v) -> rs.add(new Requirement(k, Op.EQUALS, Set.of(v))));
        return new LabelSelector(rs);
    }

    /** The query-string form of an object selector, as {@code kubectl get -o wide} shows it. */
    public static String format(JsonNode sel) {
        StringJoiner j = new StringJoiner(",");
        sel.path("matchLabels").fields().forEachRemaining(e -> j.add(e.getKey() + "=" + e.getValue().asText()));
        for (JsonNode e : sel.path("matchExpressions")) {
            String key = e.path("key").asText();
            StringJoiner vs = new StringJoiner(",", "(", ")");
            e.path("values").forEach(v -> vs.add(v.asText()));
            switch (e.path("operator").asText()) {
                case "In" -> j.add(key + " in " + vs);
                case "NotIn" -> j.add(key + " notin " + vs);
                case "Exists" -> j.add(key);
                case "DoesNotExist" -> j.add("!" + key);
                default -> { }
            }
        }
        return j.length() == 0 ? "<none>" : j.toString();
    }

    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static Requirement parseTerm(String t, String whole) {
        if (t.isEmpty()) {
            throw invalid(whole);
        }
        if (t.startsWith("!")) {
            return new Requirement(checkKey(t.substring(1).trim(), whole), Op.DOES_NOT_EXIST, Set.of());
        }
        int ne = t.indexOf("!=");
        if (ne > 0) {
            return new Requirement(checkKey(t.substring(0, ne).trim(), whole), Op.NOT_EQUALS, Set.of(t.substring(ne + 2).trim()));
        }
        int eq = t.indexOf('=');
        if (eq > 0) {
            String value = t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
            return new Requirement(checkKey(t.substring(0, eq).trim(), whole), Op.EQUALS, Set.of(value));
        }
        String[] words = t.split("\\s+", 3);
        if (words.length >= 2 && (words[1].equals("in") || words[1].equals("notin") || words[1].startsWith("in(")
                || words[1].startsWith("notin("))) {
            int open = t.indexOf('(');
            int close = t.lastIndexOf(')');
            if (open < 0 || close < open) {
                throw invalid(whole);
            }
            Set<String> values = new LinkedHashSet<>();
            for (String v : t.substring(open + 1, close).split(",")) {
                if (!v.isBlank()) {
                    values.add(v.trim());
                }
            }
            Op op = t.substring(words[0].length(), open).trim().equals("in") ? Op.IN : Op.NOT_IN;
            return new Requirement(checkKey(words[0], whole), op, values);
        }
        if (words.length == 1) {
            return new Requirement(checkKey(t, whole), Op.EXISTS, Set.of());
        }
        throw invalid(whole);
    }

    private static String checkKey(String key, String whole) {
        if (key.isEmpty() || !key.matches("([a-z0-9A-Z.\\-]+/)?[A-Za-z0-9]([A-Za-z0-9_.\\-]*[A-Za-z0-9])?")) {
            throw invalid(whole);
        }
        return key;
    }

    private static ApiException invalid(String whole) {
        return ApiException.badRequest("unable to parse requirement: found '" + whole + "', expected: label selector");
    }
}
