package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.ResourceType;
import dev.hawser.orchestrator.api.ResourceTypes;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Just enough OpenAPI v3 for kubectl's validation: each group version lists, for every kind, a patch
 * operation tagged with the kind and the {@code fieldValidation} query parameter. kubectl then
 * leaves validation to the server and, finding no schemas, computes strategic merge patches from its
 * own compiled-in types. Without this document {@code kubectl apply} would demand --validate=false.
 */
final class OpenApi {
    private OpenApi() {
    }

    static ObjectNode index() {
        ObjectNode root = Json.object();
        ObjectNode paths = root.putObject("paths");
        for (String gv : ResourceTypes.groupVersions()) {
            String p = prefix(gv);
            paths.putObject(p).put("serverRelativeURL", "/openapi/v3/" + p + "?hash=" + hash(document(gv)));
        }
        return root;
    }

    static String prefix(String groupVersion) {
        return groupVersion.contains("/") ? "apis/" + groupVersion : "api/" + groupVersion;
    }

    static ObjectNode document(String groupVersion) {
        if (ResourceTypes.inGroupVersion(groupVersion).isEmpty()) {
            return null;
        }
        ObjectNode doc = Json.object();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
        ObjectNode paths = doc.putObject("paths");
        for (ResourceType t : ResourceTypes.inGroupVersion(groupVersion)) {
            String base = "/" + prefix(groupVersion) + (t.namespaced() ? "/namespaces/{namespace}/" : "/") + t.plural() + "/{name}";
            ObjectNode patch = paths.putObject(base).putObject("patch");
            patch.put("operationId", "patch" + t.kind());
            patch.putObject("x-kubernetes-group-version-kind").put("group", t.group()).put("version", t.version()).put("kind", t.kind());
            patch.put("x-kubernetes-action", "patch");
            ObjectNode param = patch.putArray("parameters").addObject();
            param.put("name", "fieldValidation").put("in", "query").put("description",
                    "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.");
            param.putObject("schema").put("type", "string").put("uniqueItems", true);
            patch.putObject("responses").putObject("200").put("description", "OK");
        }
        doc.putObject("components").putObject("schemas");
        return doc;
    }

    static String hash(ObjectNode doc) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-512").digest(Json.bytes(doc));
            return HexFormat.of().formatHex(d).toUpperCase(java.util.Locale.ROOT).substring(0, 64);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
