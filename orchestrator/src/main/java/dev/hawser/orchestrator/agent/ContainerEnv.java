package dev.hawser.orchestrator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment of a container process, in the kubelet's order: service variables of the pod's
 * namespace, the pod's identity (POD_IP, POD_NAME, ...; this runtime has no downward-API volumes,
 * so it always offers them), then envFrom, then env, where later entries win and {@code $(VAR)}
 * refers to variables defined before. ConfigMaps and Secrets are read when the container starts.
 */
final class ContainerEnv {
    private static final Pattern REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)|\\$\\$");

    /** A variable source the container needs that does not exist (yet): CreateContainerConfigError. */
    static final class ConfigException extends Exception {
        ConfigException(String message) {
            super(message);
        }
    }

    private final ApiClient api;

    ContainerEnv(ApiClient api) {
        this.api = api;
    }

    Map<String, String> build(JsonNode pod, JsonNode container, String podIp, String nodeName, String hostPath,
                              List<? extends JsonNode> services) throws ConfigException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", hostPath);
        for (JsonNode svc : services) {
            serviceVariables(svc, env);
        }
        env.put("HOSTNAME", Meta.name(pod));
        env.put("POD_NAME", Meta.name(pod));
        env.put("POD_NAMESPACE", Meta.namespace(pod));
        env.put("POD_IP", podIp);
        env.put("NODE_NAME", nodeName);
        String ns = Meta.namespace(pod);
        for (JsonNode from : container.path("envFrom")) {
            String prefix = from.path("prefix").asText("");
            if (from.has("configMapRef")) {
                source(ResourceTypes.CONFIGMAPS, ns, from.get("configMapRef"))
                        .forEach((k, v) -> env.put(prefix + k, v));
            } else if (from.has("secretRef")) {
                source(ResourceTypes.SECRETS, ns, from.get("secretRef")).forEach((k, v) -> env.put(prefix + k, v));
            }
        }
        for (JsonNode e : container.path("env")) {
            String name = e.path("name").asText();
            if (e.has("valueFrom")) {
                String v = valueFrom(pod, e.get("valueFrom"), podIp, nodeName);
                if (v != null) {
                    env.put(name, v);
                }
            } else {
                env.put(name, expand(e.path("value").asText(""), env::get));
            }
        }
        return env;
    }

    /** Kubernetes' {@code $(VAR)} expansion: unknown references stay as written, {@code $$} is a literal $. */
    static String expand(String s, Function<String, String> lookup) {
        Matcher m = REF.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group(1) == null) {
                replacement = "$";
            } else {
                String v = lookup.apply(m.group(1));
                replacement = v == null ? m.group() : v;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void serviceVariables(JsonNode svc, Map<String, String> env) {
        String ip = svc.path("spec").path("clusterIP").asText("");
        if (ip.isEmpty() || ip.equals("None")) {
            return;
        }
        String prefix = Meta.name(svc).toUpperCase(Locale.ROOT).replace('-', '_') + "_SERVICE_";
        JsonNode ports = svc.path("spec").path("ports");
        env.put(prefix + "HOST", ip);
        if (ports.size() > 0) {
            env.put(prefix + "PORT", ports.get(0).path("port").asText());
        }
        for (JsonNode p : ports) {
            if (p.hasNonNull("name")) {
                env.put(prefix + "PORT_" + p.get("name").asText().toUpperCase(Locale.ROOT).replace('-', '_'), p.path("port").asText());
            }
        }
    }

    private Map<String, String> source(ResourceType type, String ns, JsonNode ref) throws ConfigException {
        String name = ref.path("name").asText();
        var obj = api.get(type, ns, name);
        if (obj.isEmpty()) {
            if (ref.path("optional").asBoolean(false)) {
                return Map.of();
            }
            throw new ConfigException(type.kind().toLowerCase(Locale.ROOT) + " \"" + name + "\" not found");
        }
        return data(type, obj.get());
    }

    private String valueFrom(JsonNode pod, JsonNode from, String podIp, String nodeName) throws ConfigException {
        if (from.has("fieldRef")) {
            String path = from.get("fieldRef").path("fieldPath").asText();
            return switch (path) {
                case "metadata.name" -> Meta.name(pod);
                case "metadata.namespace" -> Meta.namespace(pod);
                case "metadata.uid" -> Meta.uid(pod);
                case "status.podIP" -> podIp;
                case "status.hostIP" -> pod.path("status").path("hostIP").asText("");
                case "spec.nodeName" -> nodeName;
                case "spec.serviceAccountName" -> pod.path("spec").path("serviceAccountName").asText("");
                default -> fieldFromMetadataMap(pod, path);
            };
        }
        boolean isConfigMap = from.has("configMapKeyRef");
        JsonNode ref = isConfigMap ? from.get("configMapKeyRef") : from.get("secretKeyRef");
        if (ref == null) {
            throw new ConfigException("unsupported valueFrom " + from);
        }
        ResourceType type = isConfigMap ? ResourceTypes.CONFIGMAPS : ResourceTypes.SECRETS;
        Map<String, String> data = source(type, Meta.namespace(pod), ref);
        String key = ref.path("key").asText();
        String v = data.get(key);
        if (v == null && !ref.path("optional").asBoolean(false)) {
            throw new ConfigException("couldn't find key " + key + " in " + type.kind() + " " + Meta.namespace(pod) + "/"
                    + ref.path("name").asText());
        }
        return v;
    }

    /** metadata.labels['x'] and metadata.annotations['x']. */
    private static String fieldFromMetadataMap(JsonNode pod, String path) throws ConfigException {
        Matcher m = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]").matcher(path);
        if (!m.matches()) {
            throw new ConfigException("unsupported fieldPath " + path);
        }
        return pod.path("metadata").path(m.group(1)).path(m.group(2)).asText("");
    }

    private static Map<String, String> data(ResourceType type, JsonNode obj) {
        Map<String, String> out = new LinkedHashMap<>();
        if (type == ResourceTypes.SECRETS) {
            obj.path("data").fields().forEachRemaining(e ->
                    out.put(e.getKey(), new String(Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)));
            obj.path("stringData").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } else {
            obj.path("data").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }
}
