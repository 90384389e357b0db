package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.ResourceType;
import dev.hawser.orchestrator.api.ResourceTypes;

import java.util.Set;

/**
 * The two built-in roles: {@code system:masters} may do anything (cluster-admin), {@code hawser:view}
 * may read everything but Secrets. Everyone authenticated may read discovery, OpenAPI and health.
 */
final class Authorizer {
    private static final Set<String> READ_VERBS = Set.of("get", "list", "watch");

    private Authorizer() {
    }

    static void check(User user, String verb, ResourceType type, String namespace, String subresource) {
        if (user.groups().contains(User.MASTERS)) {
            return;
        }
        if (user.groups().contains(User.VIEWERS) && READ_VERBS.contains(verb) && type != ResourceTypes.SECRETS
                && !"log".equals(subresource)) {
            return;
        }
        String resource = subresource == null ? type.plural() : type.plural() + "/" + subresource;
        String scope = type.namespaced() && !namespace.isEmpty() ? " in the namespace \"" + namespace + "\"" : " at the cluster scope";
        throw ApiException.forbidden(type.qualifiedPlural() + " is forbidden: User \"" + user.name() + "\" cannot " + verb
                + " resource \"" + resource + "\" in API group \"" + type.group() + "\"" + scope);
    }
}
