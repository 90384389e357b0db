package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.ResourceType;
import dev.hawser.orchestrator.api.ResourceTypes;

import java.util.List;

/**
 * A resource URL taken apart: {@code /api/v1/namespaces/{ns}/pods/{name}/status} or
 * {@code /apis/apps/v1/deployments}. Namespaces' own subresources ({@code /api/v1/namespaces/x/status})
 * are told apart from namespaced collections by name.
 */
record ApiPath(String groupVersion, ResourceType type, String namespace, String name, String subresource) {
    /** Null if the URL is not a resource URL; throws 404 if it names an unknown resource. */
    static ApiPath parse(List<String> s) {
        int rest;
        String gv;
        if (s.size() >= 3 && s.get(0).equals("api")) {
            gv = s.get(1);
            rest = 2;
        } else if (s.size() >= 4 && s.get(0).equals("apis")) {
            gv = s.get(1) + "/" + s.get(2);
            rest = 3;
        } else {
            return null;
        }
        List<String> r = s.subList(rest, s.size());
        String ns = "";
        String resource;
        String name = "";
        String sub = null;
        boolean namespaceSub = r.size() == 3 && r.get(0).equals("namespaces") && ResourceTypes.NAMESPACES.subresources().contains(r.get(2));
        if (r.size() >= 3 && r.get(0).equals("namespaces") && !namespaceSub) {
            ns = r.get(1);
            resource = r.get(2);
            if (r.size() >= 4) {
                name = r.get(3);
            }
            if (r.size() >= 5) {
                sub = r.get(4);
            }
            if (r.size() > 5) {
                throw notFound();
            }
        } else {
            resource = r.get(0);
            if (r.size() >= 2) {
                name = r.get(1);
            }
            if (r.size() >= 3) {
                sub = r.get(2);
            }
            if (r.size() > 3) {
                throw notFound();
            }
        }
        ResourceType type = ResourceTypes.byPath(gv, resource).orElseThrow(ApiPath::notFound);
        checkSegment("namespace", ns);
        checkSegment("name", name);
        if (!ns.isEmpty() && !type.namespaced()) {
            throw notFound();
        }
        if (sub != null && !type.subresources().contains(sub)) {
            throw notFound();
        }
        return new ApiPath(gv, type, ns, name, sub);
    }

    private static final java.util.regex.Pattern SEGMENT = java.util.regex.Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.:]{0,251}[A-Za-z0-9])?");

    /** Names become parts of store keys: only name characters, never separators, dots alone or control bytes. */
    private static void checkSegment(String what, String value) {
        if (!value.isEmpty() && !SEGMENT.matcher(value).matches()) {
            throw ApiException.badRequest("invalid " + what + " in the URL: it must consist of alphanumeric characters, "
                    + "'-', '_', '.' or ':' and start and end with an alphanumeric character");
        }
    }

    static ApiException notFound() {
        return new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
}
