package dev.hawser.orchestrator.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Every kind the API server serves, keyed by group/version/plural. */
public final class ResourceTypes {
    public static final ResourceType NAMESPACES = core("Namespace", "namespaces", false, List.of("ns"), List.of(), Set.of("status", "finalize"));
    public static final ResourceType NODES = core("Node", "nodes", false, List.of("no"), List.of(), Set.of("status"));
    public static final ResourceType PODS = core("Pod", "pods", true, List.of("po"), List.of("all"), Set.of("status", "binding", "log"));
    public static final ResourceType SERVICES = core("Service", "services", true, List.of("svc"), List.of("all"), Set.of("status"));
    public static final ResourceType ENDPOINTS = core("Endpoints", "endpoints", true, List.of("ep"), List.of(), Set.of());
    public static final ResourceType CONFIGMAPS = core("ConfigMap", "configmaps", true, List.of("cm"), List.of(), Set.of());
    public static final ResourceType SECRETS = core("Secret", "secrets", true, List.of(), List.of(), Set.of());
    public static final ResourceType EVENTS = core("Event", "events", true, List.of("ev"), List.of(), Set.of());
    public static final ResourceType SERVICE_ACCOUNTS = core("ServiceAccount", "serviceaccounts", true, List.of("sa"), List.of(), Set.of());
    public static final ResourceType DEPLOYMENTS = new ResourceType("apps", "v1", "Deployment", "deployments", "deployment",
            true, List.of("deploy"), List.of("all"), Set.of("status", "scale"));
    public static final ResourceType REPLICASETS = new ResourceType("apps", "v1", "ReplicaSet", "replicasets", "replicaset",
            true, List.of("rs"), List.of("all"), Set.of("status", "scale"));
    public static final ResourceType LEASES = new ResourceType("coordination.k8s.io", "v1", "Lease", "leases", "lease",
            true, List.of(), List.of(), Set.of());

    public static final List<ResourceType> ALL = List.of(NAMESPACES, NODES, PODS, SERVICES, ENDPOINTS, CONFIGMAPS,
            SECRETS, EVENTS, SERVICE_ACCOUNTS, DEPLOYMENTS, REPLICASETS, LEASES);

    private static final Map<String, ResourceType> BY_PATH = new LinkedHashMap<>();
    private static final Map<String, ResourceType> BY_KIND = new LinkedHashMap<>();

    static {
        for (ResourceType t : ALL) {
            BY_PATH.put(t.apiVersion() + "/" + t.plural(), t);
            BY_KIND.put(t.apiVersion() + "/" + t.kind(), t);
        }
    }

    private ResourceTypes() {
    }

    private static ResourceType core(String kind, String plural, boolean namespaced, List<String> shortNames,
                                     List<String> categories, Set<String> subresources) {
        return new ResourceType("", "v1", kind, plural, kind.toLowerCase(java.util.Locale.ROOT), namespaced,
                shortNames, categories, subresources);
    }

    public static Optional<ResourceType> byPath(String groupVersion, String plural) {
        return Optional.ofNullable(BY_PATH.get(groupVersion + "/" + plural));
    }

    public static Optional<ResourceType> byKind(String apiVersion, String kind) {
        return Optional.ofNullable(BY_KIND.get(apiVersion + "/" + kind));
    }

    /** Group versions in discovery order; the core group "v1" first. */
    public static List<String> groupVersions() {
        return ALL.stream().map(ResourceType::apiVersion).distinct().toList();
    }

    public static List<ResourceType> inGroupVersion(String groupVersion) {
        return ALL.stream().filter(t -> t.apiVersion().equals(groupVersion)).toList();
    }
}
