package dev.hawser.orchestrator.api;

import java.util.List;
import java.util.Set;

/**
 * One kind the API serves: where it lives in the URL space and in the store, what discovery says about
 * it, and which subresources it has. A kind with a {@code status} subresource keeps status writes and
 * spec writes apart: each endpoint changes only its half.
 */
public record ResourceType(String group, String version, String kind, String plural, String singular,
                           boolean namespaced, List<String> shortNames, List<String> categories,
                           Set<String> subresources) {
    public static final List<String> ALL_VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** "deployments.apps" or "pods": how Status messages name a resource. */
    public String qualifiedPlural() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    public boolean hasStatus() {
        return subresources.contains("status");
    }

    /** Kinds whose spec changes bump {@code metadata.generation} (the ones a controller acts on). */
    public boolean tracksGeneration() {
        return switch (kind) {
            case "Deployment", "ReplicaSet", "Pod", "Service", "Node", "Namespace" -> true;
            default -> false;
        };
    }

    /** Store key prefix for every object of this kind, ending in '/'. */
    public String keyPrefix(String root) {
        return root + "/" + plural + "/";
    }

    public String key(String root, String namespace, String name) {
        return namespaced ? keyPrefix(root) + namespace + "/" + name : keyPrefix(root) + name;
    }
}
