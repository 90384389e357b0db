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

    /** The served documents never change while the server runs: built once, with the index that names their hashes. */
    private static final java.util.Map<String, ObjectNode> DOCUMENTS = new java.util.HashMap<>();
    private static final ObjectNode INDEX = Json.object();

    static {
        ObjectNode paths = INDEX.putObject("paths");
        for (String gv : ResourceTypes.groupVersions()) {
            ObjectNode doc = build(gv);
            DOCUMENTS.put(gv, doc);
            String p = prefix(gv);
            paths.putObject(p).put("serverRelativeURL", "/openapi/v3/" + p + "?hash=" + hash(doc));
        }
    }

    static ObjectNode index() {
        return INDEX;
    }

    /** The document of {@code groupVersion}, or null for one this server does not serve. */
    static ObjectNode document(String groupVersion) {
        return DOCUMENTS.get(groupVersion);
    }

    static String prefix(String groupVersion) {
        return groupVersion.contains("/") ? "apis/" + groupVersion : "api/" + groupVersion;
    }

    private static ObjectNode build(String groupVersion) {
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
