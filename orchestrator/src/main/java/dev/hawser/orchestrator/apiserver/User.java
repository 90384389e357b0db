package dev.hawser.orchestrator.apiserver;

import java.util.Set;

/** Who made a request, as the authenticator established it. */
public record User(String name, Set<String> groups) {
    public static final User ANONYMOUS = new User("system:anonymous", Set.of("system:unauthenticated"));
    /** Members of this group may do anything, as in Kubernetes. */
    public static final String MASTERS = "system:masters";
    /** Members of this group may only read (get, list, watch). */
    public static final String VIEWERS = "hawser:view";
}
