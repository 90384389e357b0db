package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.ResourceType;
import dev.hawser.orchestrator.api.ResourceTypes;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The discovery documents kubectl reads before anything else to map kinds and short names to URLs:
 * {@code /api}, {@code /apis} and one resource list per group version (the unaggregated format,
 * which every client version understands).
 */
final class Discovery {
    private Discovery() {
    }

    static ObjectNode version() {
        ObjectNode v = Json.object();
        v.put("major", "1").put("minor", "32").put("gitVersion", "v1.32.0-hawser").put("gitCommit", "")
                .put("gitTreeState", "clean").put("buildDate", "2026-01-01T00:00:00Z").put("goVersion", "java" + Runtime.version().feature())
                .put("compiler", "javac").put("platform", "linux/amd64");
        return v;
    }

    static ObjectNode coreVersions(String serverAddress) {
        ObjectNode v = Json.object();
        v.put("kind", "APIVersions");
        v.putArray("versions").add("v1");
        v.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress);
        return v;
    }

    static ObjectNode groups() {
        ObjectNode list = Json.object();
        list.put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        for (String gv : ResourceTypes.groupVersions()) {
            if (!gv.contains("/")) {
                continue;
            }
            groups.add(group(gv));
        }
        return list;
    }

    static ObjectNode group(String groupVersion) {
        String name = groupVersion.substring(0, groupVersion.indexOf('/'));
        String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
        ObjectNode g = Json.object();
        g.put("kind", "APIGroup").put("apiVersion", "v1").put("name", name);
        g.putArray("versions").addObject().put("groupVersion", groupVersion).put("version", version);
        g.putObject("preferredVersion").put("groupVersion", groupVersion).put("version", version);
        return g;
    }

    static ObjectNode resources(String groupVersion) {
        List<ResourceType> types = ResourceTypes.inGroupVersion(groupVersion);
        if (types.isEmpty()) {
            return null;
        }
        ObjectNode list = Json.object();
        list.put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", groupVersion);
        ArrayNode rs = list.putArray("resources");
        for (ResourceType t : types) {
            ObjectNode r = rs.addObject();
            r.put("name", t.plural()).put("singularName", t.singular()).put("namespaced", t.namespaced()).put("kind", t.kind());
            ArrayNode verbs = r.putArray("verbs");
            ResourceType.ALL_VERBS.forEach(verbs::add);
            if (!t.shortNames().isEmpty()) {
                ArrayNode sn = r.putArray("shortNames");
                t.shortNames().forEach(sn::add);
            }
            if (!t.categories().isEmpty()) {
                ArrayNode cs = r.putArray("categories");
                t.categories().forEach(cs::add);
            }
            for (String sub : t.subresources().stream().sorted().toList()) {
                ObjectNode s = rs.addObject();
                s.put("name", t.plural() + "/" + sub).put("singularName", "").put("namespaced", t.namespaced());
                switch (sub) {
                    case "scale" -> s.put("group", "autoscaling").put("version", "v1").put("kind", "Scale");
                    case "binding" -> s.put("kind", "Binding");
                    default -> s.put("kind", t.kind());
                }
                ArrayNode verbs2 = s.putArray("verbs");
                switch (sub) {
                    case "binding" -> verbs2.add("create");
                    case "log" -> verbs2.add("get");
                    case "finalize" -> verbs2.add("update");
                    default -> verbs2.add("get").add("patch").add("update");
                }
            }
        }
        return list;
    }
}
