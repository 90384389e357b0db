package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A field selector ({@code metadata.name=x,spec.nodeName!=}) matched against the object's own fields by
 * their JSON path, so any scalar field works, including the ones kubectl relies on: metadata.name and
 * metadata.namespace everywhere, spec.nodeName and status.phase on pods, involvedObject.* on events.
 */
public final class FieldSelector {
    private record Term(String[] path, String value, boolean equals) {
    }

    public static final FieldSelector EVERYTHING = new FieldSelector(List.of());

    private final List<Term> terms;

    private FieldSelector(List<Term> terms) {
        this.terms = terms;
    }

    public static FieldSelector parse(String s) {
        if (s == null || s.isBlank()) {
            return EVERYTHING;
        }
        List<Term> terms = new ArrayList<>();
        for (String t : s.split(",")) {
            t = t.trim();
            int ne = t.indexOf("!=");
            int eq = t.indexOf('=');
            if (ne > 0) {
                terms.add(new Term(t.substring(0, ne).trim().split("\\."), t.substring(ne + 2).trim(), false));
            } else if (eq > 0) {
                int from = t.startsWith("==", eq) ? eq + 2 : eq + 1;
                terms.add(new Term(t.substring(0, eq).trim().split("\\."), t.substring(from).trim(), true));
            } else {
                throw ApiException.badRequest("invalid field selector: '" + t + "': expected an operator");
            }
        }
        return new FieldSelector(terms);
    }

    public boolean matches(JsonNode o) {
        for (Term t : terms) {
            JsonNode n = o;
            for (String p : t.path()) {
                n = n.path(p);
            }
            String actual = n.isValueNode() ? n.asText() : "";
            if (actual.equals(t.value()) != t.equals()) {
                return false;
            }
        }
        return true;
    }

    /** The exact name this selector pins, if it has a {@code metadata.name=} term (kubectl's single-object watch). */
    public String exactName() {
        for (Term t : terms) {
            if (t.equals() && t.path().length == 2 && t.path()[0].equals("metadata") && t.path()[1].equals("name")) {
                return t.value();
            }
        }
        return null;
    }

    public boolean isEmpty() {
        return terms.isEmpty();
    }
}
