package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.LabelSelector;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hawser.orchestrator.api.ApiException.Cause;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks an object before it is stored and reports every problem at once, with the field paths and
 * wording kube-apiserver uses ({@code spec.containers[0].image: Required value}), as a 422 Invalid.
 */
final class Validation {
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Set<String> LABEL_NAMED = Set.of("Namespace", "Service");

    private final List<Cause> causes = new ArrayList<>();

    private Validation() {
    }

    static void check(ResourceType type, JsonNode o) {
        Validation v = new Validation();
        v.metadata(type, o);
        switch (type.kind()) {
            case "Pod" -> v.podSpec(o.path("spec"), "spec");
            case "Deployment", "ReplicaSet" -> v.workload(type, o.path("spec"));
            case "Service" -> v.service(o.path("spec"));
            case "ConfigMap" -> v.configMap(o);
            case "Secret" -> v.secret(o);
            default -> {
            }
        }
        if (!v.causes.isEmpty()) {
            throw ApiException.invalid(type, Meta.name(o), v.causes);
        }
    }

    private void metadata(ResourceType type, JsonNode o) {
        String name = Meta.name(o);
        if (name.isEmpty()) {
            required("metadata.name");
        } else if (LABEL_NAMED.contains(type.kind())) {
            if (name.length() > 63 || !DNS1123_LABEL.matcher(name).matches()) {
                invalid("metadata.name", name, "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                        + "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', "
                        + " or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
            }
        } else if (name.length() > 253 || !DNS1123_SUBDOMAIN.matcher(name).matches()) {
            invalid("metadata.name", name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                    + "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                    + "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        }
        labels(o.path("metadata").path("labels"), "metadata.labels");
        JsonNode annotations = o.path("metadata").path("annotations");
        if (!annotations.isMissingNode() && !annotations.isNull() && !annotations.isObject()) {
            invalid("metadata.annotations", annotations.toString(), "must be a map of strings");
        }
    }

    private void labels(JsonNode labels, String path) {
        if (labels.isMissingNode() || labels.isNull()) {
            return;
        }
        if (!labels.isObject()) {
            invalid(path, labels.toString(), "must be a map of strings");
            return;
        }
        labels.fields().forEachRemaining(e -> {
            String key = e.getKey();
            if (!QUALIFIED_NAME.matcher(key).matches() || key.length() > 316) {
                invalid(path, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                        + "start and end with an alphanumeric character");
            }
            String value = e.getValue().isTextual() ? e.getValue().asText() : null;
            if (value == null || value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
                invalid(path, e.getValue().toString(), "a valid label must be an empty string or consist of alphanumeric "
                        + "characters, '-', '_' or '.', and must start and end with an alphanumeric character");
            }
        });
    }

    private void podSpec(JsonNode spec, String path) {
        JsonNode containers = spec.path("containers");
        if (!containers.isArray() || containers.isEmpty()) {
            required(path + ".containers");
            return;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < containers.size(); i++) {
            JsonNode c = containers.get(i);
            String p = path + ".containers[" + i + "]";
            String name = c.path("name").asText("");
            if (name.isEmpty()) {
                required(p + ".name");
            } else if (!DNS1123_LABEL.matcher(name).matches() || name.length() > 63) {
                invalid(p + ".name", name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'");
            } else if (!names.add(name)) {
                causes.add(new Cause("FieldValueDuplicate", "Duplicate value: \"" + name + "\"", p + ".name"));
            }
            if (c.path("image").asText("").isBlank()) {
                required(p + ".image");
            }
            JsonNode ports = c.path("ports");
            for (int j = 0; j < ports.size(); j++) {
                int port = ports.get(j).path("containerPort").asInt(-1);
                if (port < 1 || port > 65535) {
                    invalid(p + ".ports[" + j + "].containerPort", ports.get(j).path("containerPort").toString(),
                            "must be between 1 and 65535, inclusive");
                }
            }
        }
        String restart = spec.path("restartPolicy").asText("Always");
        if (!Set.of("Always", "OnFailure", "Never").contains(restart)) {
            notSupported(path + ".restartPolicy", restart, "\"Always\", \"OnFailure\", \"Never\"");
        }
    }

    private void workload(ResourceType type, JsonNode spec) {
        if (spec.has("replicas") && (!spec.path("replicas").canConvertToInt() || spec.path("replicas").asInt() < 0)) {
            invalid("spec.replicas", spec.path("replicas").toString(), "must be greater than or equal to 0");
        }
        JsonNode selector = spec.path("selector");
        if (selector.isMissingNode() || selector.isNull() || (selector.path("matchLabels").isEmpty() && selector.path("matchExpressions").isEmpty())) {
            required("spec.selector");
        } else {
            Map<String, String> templateLabels = Meta.labels(spec.path("template"));
            LabelSelector s = LabelSelector.fromObject(selector);
            if (!s.matches(templateLabels)) {
                invalid("spec.template.metadata.labels", Meta.stringMap(spec.path("template").path("metadata").path("labels")).toString(),
                        "`selector` does not match template `labels`");
            }
        }
        if ("Deployment".equals(type.kind())) {
            String strategy = spec.path("strategy").path("type").asText("RollingUpdate");
            if (!Set.of("RollingUpdate", "Recreate").contains(strategy)) {
                notSupported("spec.strategy.type", strategy, "\"Recreate\", \"RollingUpdate\"");
            }
        }
        labels(spec.path("template").path("metadata").path("labels"), "spec.template.metadata.labels");
        podSpec(spec.path("template").path("spec"), "spec.template.spec");
        String restart = spec.path("template").path("spec").path("restartPolicy").asText("Always");
        if (!"Always".equals(restart)) {
            notSupported("spec.template.spec.restartPolicy", restart, "\"Always\"");
        }
    }

    private void service(JsonNode spec) {
        String type = spec.path("type").asText("ClusterIP");
        if (!Set.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName").contains(type)) {
            notSupported("spec.type", type, "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
        }
        JsonNode ports = spec.path("ports");
        if (!"ExternalName".equals(type) && !"None".equals(spec.path("clusterIP").asText()) && ports.isEmpty()) {
            required("spec.ports");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            JsonNode p = ports.get(i);
            int port = p.path("port").asInt(-1);
            if (port < 1 || port > 65535) {
                invalid("spec.ports[" + i + "].port", p.path("port").toString(), "must be between 1 and 65535, inclusive");
            }
            if (ports.size() > 1 && p.path("name").asText("").isEmpty()) {
                required("spec.ports[" + i + "].name");
            } else if (!names.add(p.path("name").asText(""))) {
                causes.add(new Cause("FieldValueDuplicate", "Duplicate value: \"" + p.path("name").asText() + "\"", "spec.ports[" + i + "].name"));
            }
            String protocol = p.path("protocol").asText("TCP");
            if (!Set.of("TCP", "UDP", "SCTP").contains(protocol)) {
                notSupported("spec.ports[" + i + "].protocol", protocol, "\"SCTP\", \"TCP\", \"UDP\"");
            }
        }
    }

    private void configMap(JsonNode o) {
        o.path("data").fieldNames().forEachRemaining(k -> {
            if (!CONFIG_KEY.matcher(k).matches()) {
                invalid("data[" + k + "]", k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
            }
        });
    }

    private void secret(JsonNode o) {
        o.path("data").fields().forEachRemaining(e -> {
            if (!CONFIG_KEY.matcher(e.getKey()).matches()) {
                invalid("data[" + e.getKey() + "]", e.getKey(), "a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
            }
            try {
                Base64.getDecoder().decode(e.getValue().asText());
            } catch (IllegalArgumentException bad) {
                invalid("data[" + e.getKey() + "]", "<secret contents redacted>", "illegal base64 data");
            }
        });
    }

    private void required(String field) {
        causes.add(new Cause("FieldValueRequired", "Required value", field));
    }

    private void invalid(String field, String value, String why) {
        causes.add(new Cause("FieldValueInvalid", "Invalid value: \"" + value + "\": " + why, field));
    }

    private void notSupported(String field, String value, String supported) {
        causes.add(new Cause("FieldValueNotSupported", "Unsupported value: \"" + value + "\": supported values: " + supported, field));
    }
}
