package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.ResourceTypes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.handler.codec.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * Every request's way in: authentication, then the non-resource endpoints (version, health,
 * discovery, OpenAPI), then resources. Every failure leaves as a Status object.
 */
final class ApiRouter {
    private static final Logger LOG = LoggerFactory.getLogger(ApiRouter.class);
    /** Without authentication configured (explicitly chosen at start-up) every caller is an administrator. */
    private static final User UNAUTHENTICATED_ADMIN = new User("system:anonymous", Set.of(User.MASTERS));
    private static final Set<String> PUBLIC_PATHS = Set.of("/healthz", "/livez", "/readyz", "/version");

    private final Authenticator authenticator;
    private final ResourceHandler resources;
    private final ObjectStore objects;

    ApiRouter(Authenticator authenticator, ObjectStore objects) {
        this.authenticator = authenticator;
        this.objects = objects;
        this.resources = new ResourceHandler(objects, new PodLogs(objects));
    }

    void route(Exchange ex) {
        try {
            authenticate(ex);
            if (ex.header("content-type").contains("protobuf")) {
                throw new ApiException(415, "UnsupportedMediaType", "protobuf request bodies are not supported by this "
                        + "server; send JSON (for kubectl create <kind>, use: kubectl create ... --dry-run=client -o yaml | kubectl apply -f -)");
            }
            requireJsonBody(ex);
            if (!serveNonResource(ex)) {
                ApiPath p = ApiPath.parse(ex.segments());
                if (p == null) {
                    throw ApiPath.notFound();
                }
                resources.handle(ex, p);
            }
        } catch (ApiException e) {
            reply(ex, e);
        } catch (StatusRuntimeException e) {
            reply(ex, storeError(e));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", ex.method(), ex.path(), e);
            reply(ex, new ApiException(500, "InternalError", "Internal error occurred: " + e));
        }
    }

    /** POST and PUT bodies are JSON objects; PATCH bodies are checked by patch type. */
    private static void requireJsonBody(Exchange ex) {
        boolean write = ex.method().equals(HttpMethod.POST) || ex.method().equals(HttpMethod.PUT);
        String type = ex.header("content-type").split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (write && ex.body().length > 0 && !type.isEmpty() && !type.equals("application/json")) {
            throw new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                    + "accepted media types include: application/json");
        }
    }

    private static void reply(Exchange ex, ApiException e) {
        if (ex.isStreaming()) {
            ex.endStream();
        } else {
            ex.fail(e);
        }
    }

    private void authenticate(Exchange ex) {
        if (authenticator == null) {
            ex.user(UNAUTHENTICATED_ADMIN);
            return;
        }
        var user = authenticator.authenticate(ex.header("authorization"), ex.peerCertificate());
        if (user.isPresent()) {
            ex.user(user.get());
        } else if (!PUBLIC_PATHS.contains(ex.path())) {
            throw new ApiException(401, "Unauthorized", "Unauthorized");
        }
    }

    private boolean serveNonResource(Exchange ex) {
        String path = ex.path();
        List<String> s = ex.segments();
        if (!ex.method().equals(HttpMethod.GET)) {
            return false;
        }
        switch (path) {
            case "/version" -> ex.respond(200, Discovery.version());
            case "/healthz", "/livez", "/readyz" -> health(ex);
            case "/api" -> ex.respond(200, Discovery.coreVersions(ex.header("host")));
            case "/apis" -> ex.respond(200, Discovery.groups());
            case "/openapi/v3" -> ex.respond(200, OpenApi.index());
            default -> {
                if (s.size() >= 4 && s.get(0).equals("openapi") && s.get(1).equals("v3")) {
                    ObjectNode doc = OpenApi.document(String.join("/", s.subList(3, s.size())));
                    if (doc == null) {
                        throw ApiPath.notFound();
                    }
                    ex.respond(200, doc);
                } else if (s.size() == 2 && s.get(0).equals("api")) {
                    respondOrNotFound(ex, Discovery.resources(s.get(1)));
                } else if (s.size() == 2 && s.get(0).equals("apis")) {
                    boolean known = ResourceTypes.groupVersions().stream().anyMatch(gv -> gv.startsWith(s.get(1) + "/"));
                    if (!known) {
                        throw ApiPath.notFound();
                    }
                    ex.respond(200, Discovery.group(ResourceTypes.groupVersions().stream()
                            .filter(gv -> gv.startsWith(s.get(1) + "/")).findFirst().orElseThrow()));
                } else if (s.size() == 3 && s.get(0).equals("apis")) {
                    respondOrNotFound(ex, Discovery.resources(s.get(1) + "/" + s.get(2)));
                } else if (path.startsWith("/healthz/") || path.startsWith("/livez/") || path.startsWith("/readyz/")) {
                    health(ex);
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    private static void respondOrNotFound(Exchange ex, ObjectNode doc) {
        if (doc == null) {
            throw ApiPath.notFound();
        }
        ex.respond(200, doc);
    }

    /** Healthy means the store answers a read now. */
    private void health(Exchange ex) {
        try {
            objects.store().currentRevision();
            ex.respond(200, "text/plain; charset=utf-8", "ok".getBytes(StandardCharsets.UTF_8));
        } catch (StatusRuntimeException e) {
            ex.respond(500, "text/plain; charset=utf-8", ("[-]etcd failed: " + e.getStatus().getCode()).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static ApiException storeError(StatusRuntimeException e) {
        Status s = e.getStatus();
        return switch (s.getCode()) {
            case UNAVAILABLE -> new ApiException(503, "ServiceUnavailable", "the store is unavailable: " + s.getDescription());
            case DEADLINE_EXCEEDED -> new ApiException(504, "Timeout", "the store did not answer in time");
            case RESOURCE_EXHAUSTED -> new ApiException(507, "InternalError", "the store refused the write: " + s.getDescription());
            case INVALID_ARGUMENT -> String.valueOf(s.getDescription()).contains("too large")
                    ? new ApiException(413, "RequestEntityTooLarge", "the object is too large for the store: " + s.getDescription())
                    : new ApiException(500, "InternalError", "the store refused the request: " + s.getDescription());
            default -> new ApiException(500, "InternalError", "Internal error occurred: store: " + s.getCode() + " " + s.getDescription());
        };
    }
}
