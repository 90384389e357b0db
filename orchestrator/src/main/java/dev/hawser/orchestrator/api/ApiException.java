package dev.hawser.orchestrator.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A request the API refuses, carried to the client as a Kubernetes {@code Status} object: kubectl
 * branches on {@code reason} and {@code code}, and prints {@code message}.
 */
public final class ApiException extends RuntimeException {
    private final int code;
    private final String reason;
    private final String kind;
    private final String group;
    private final String name;
    private final List<Cause> causes;

    public ApiException(int code, String reason, String message, String group, String kind, String name, List<Cause> causes) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.group = group;
        this.kind = kind;
        this.name = name;
        this.causes = List.copyOf(causes);
    }

    public ApiException(int code, String reason, String message) {
        this(code, reason, message, null, null, null, List.of());
    }

    /** One invalid field: {@code reason} is FieldValueRequired, FieldValueInvalid, FieldValueNotSupported... */
    public record Cause(String reason, String message, String field) {
    }

    public static ApiException notFound(ResourceType type, String name) {
        return new ApiException(404, "NotFound", type.qualifiedPlural() + " \"" + name + "\" not found",
                type.group(), type.plural(), name, List.of());
    }

    public static ApiException alreadyExists(ResourceType type, String name) {
        return new ApiException(409, "AlreadyExists", type.qualifiedPlural() + " \"" + name + "\" already exists",
                type.group(), type.plural(), name, List.of());
    }

    public static ApiException conflict(ResourceType type, String name, String why) {
        return new ApiException(409, "Conflict", "Operation cannot be fulfilled on " + type.qualifiedPlural()
                + " \"" + name + "\": " + why, type.group(), type.plural(), name, List.of());
    }

    public static ApiException invalid(ResourceType type, String name, List<Cause> causes) {
        String qualifiedKind = type.group().isEmpty() ? type.kind() : type.kind() + "." + type.group();
        StringBuilder m = new StringBuilder(qualifiedKind).append(' ').append('"').append(name == null ? "" : name)
                .append("\" is invalid: ");
        for (int i = 0; i < causes.size(); i++) {
            Cause c = causes.get(i);
            if (i > 0) {
                m.append(", ");
            }
            m.append(c.field()).append(": ").append(c.message());
        }
        if (causes.size() > 1) {
            m.insert(m.indexOf(": ") + 2, "[").append(']');
        }
        return new ApiException(422, "Invalid", m.toString(), type.group(), type.kind(), name, causes);
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message);
    }

    public static ApiException gone(String message) {
        return new ApiException(410, "Expired", message);
    }

    public static ApiException methodNotAllowed(String method) {
        return new ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "Forbidden", message);
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public ObjectNode toStatus() {
        ObjectNode s = Json.object();
        s.put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure").put("message", getMessage()).put("reason", reason);
        if (name != null || kind != null || !causes.isEmpty()) {
            ObjectNode d = s.putObject("details");
            if (name != null) {
                d.put("name", name);
            }
            if (group != null && !group.isEmpty()) {
                d.put("group", group);
            }
            if (kind != null) {
                d.put("kind", kind);
            }
            if (!causes.isEmpty()) {
                ArrayNode cs = d.putArray("causes");
                for (Cause c : causes) {
                    cs.addObject().put("reason", c.reason()).put("message", c.message()).put("field", c.field());
                }
            }
        }
        s.put("code", code);
        return s;
    }
}
