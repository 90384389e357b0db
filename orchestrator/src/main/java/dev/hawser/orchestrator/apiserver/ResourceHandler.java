package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.apiserver.ObjectStore.Part;
import io.netty.handler.codec.http.HttpMethod;

import java.util.List;

/** Maps a resource request (verb + URL) onto the object store and renders the answer. */
final class ResourceHandler {
    private final ObjectStore objects;
    private final PodLogs logs;

    ResourceHandler(ObjectStore objects, PodLogs logs) {
        this.objects = objects;
        this.logs = logs;
    }

    void handle(Exchange ex, ApiPath p) {
        HttpMethod m = ex.method();
        String verb = verb(m, p, ex);
        Authorizer.check(ex.user(), verb, p.type(), p.namespace(), p.subresource());
        ResourceType t = p.type();
        if (t.namespaced() && p.namespace().isEmpty() && !p.name().isEmpty()) {
            throw ApiPath.notFound();
        }
        if (t.namespaced() && p.namespace().isEmpty() && !verb.equals("list") && !verb.equals("watch")) {
            throw ApiException.badRequest("the namespace of the object is required for " + verb);
        }
        switch (verb) {
            case "list" -> {
                ListOptions opts = ListOptions.from(ex.query());
                if (ex.wantsTable()) {
                    ObjectStore.Page page = objects.listPage(t, p.namespace(), opts);
                    ex.respond(200, Tables.table(t, page.items(), Long.toString(page.revision()), page.continueToken(), true,
                            "Object".equals(ex.query().get("includeObject"))));
                } else {
                    ex.respond(200, objects.list(t, p.namespace(), opts));
                }
            }
            case "watch" -> new WatchStream(objects, t, p.namespace(), ListOptions.from(ex.query()), ex).start();
            case "get" -> get(ex, p);
            case "create" -> create(ex, p);
            case "update" -> ex.respond(200, update(ex, p));
            case "patch" -> ex.respond(200, patch(ex, p));
            case "delete" -> ex.respond(200, objects.delete(t, p.namespace(), p.name(), DeleteOptions.from(ex.query(), ex.body())));
            case "deletecollection" -> deleteCollection(ex, p);
            default -> throw ApiException.methodNotAllowed(m.name());
        }
    }

    private static String verb(HttpMethod m, ApiPath p, Exchange ex) {
        boolean named = !p.name().isEmpty();
        if (m.equals(HttpMethod.GET)) {
            if (!named) {
                String w = ex.query().getOrDefault("watch", "");
                return w.equals("true") || w.equals("1") ? "watch" : "list";
            }
            return "get";
        }
        if (m.equals(HttpMethod.POST)) {
            return !named || "binding".equals(p.subresource()) ? "create" : "";
        }
        if (m.equals(HttpMethod.PUT)) {
            return named ? "update" : "";
        }
        if (m.equals(HttpMethod.PATCH)) {
            return named ? "patch" : "";
        }
        if (m.equals(HttpMethod.DELETE)) {
            return p.subresource() != null ? "" : named ? "delete" : "deletecollection";
        }
        return "";
    }

    private void get(Exchange ex, ApiPath p) {
        ResourceType t = p.type();
        if ("log".equals(p.subresource())) {
            logs.serve(ex, objects.get(t, p.namespace(), p.name()));
            return;
        }
        if ("binding".equals(p.subresource()) || "finalize".equals(p.subresource())) {
            throw ApiException.methodNotAllowed("GET");
        }
        ObjectNode o = objects.get(t, p.namespace(), p.name());
        if ("scale".equals(p.subresource())) {
            ex.respond(200, Scale.of(t, o));
        } else if (ex.wantsTable()) {
            ex.respond(200, Tables.table(t, List.of(o), Meta.resourceVersion(o), null, true,
                    "Object".equals(ex.query().get("includeObject"))));
        } else {
            ex.respond(200, o);
        }
    }

    private void create(Exchange ex, ApiPath p) {
        ResourceType t = p.type();
        if ("binding".equals(p.subresource())) {
            Binding.bind(objects, p.namespace(), p.name(), Json.parseObject(ex.body()));
            ObjectNode ok = Json.object();
            ok.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
            ok.put("status", "Success").put("code", 201);
            ex.respond(201, ok);
            return;
        }
        ex.respond(201, objects.create(t, p.namespace(), Json.parseObject(ex.body())));
    }

    private JsonNode update(Exchange ex, ApiPath p) {
        ResourceType t = p.type();
        ObjectNode body = Json.parseObject(ex.body());
        String sub = p.subresource();
        if (sub == null) {
            return objects.update(t, p.namespace(), p.name(), body, Part.MAIN);
        }
        return switch (sub) {
            case "status" -> objects.update(t, p.namespace(), p.name(), body, Part.STATUS);
            case "scale" -> Scale.of(t, Scale.set(objects, t, p.namespace(), p.name(), body, Meta.resourceVersion(body)));
            case "finalize" -> objects.mutate(t, p.namespace(), p.name(), current -> {
                Defaults.obj(current, "spec").set("finalizers", body.path("spec").path("finalizers").deepCopy());
                return current;
            }, Part.MAIN, Meta.resourceVersion(body));
            default -> throw ApiException.methodNotAllowed("PUT");
        };
    }

    private JsonNode patch(Exchange ex, ApiPath p) {
        ResourceType t = p.type();
        String contentType = ex.header("content-type");
        String sub = p.subresource();
        if (sub == null) {
            return objects.patch(t, p.namespace(), p.name(), contentType, ex.body(), Part.MAIN);
        }
        return switch (sub) {
            case "status" -> objects.patch(t, p.namespace(), p.name(), contentType, ex.body(), Part.STATUS);
            case "scale" -> {
                ObjectNode current = objects.get(t, p.namespace(), p.name());
                JsonNode patched = Patches.apply(contentType, Scale.of(t, current), ex.body());
                yield Scale.of(t, Scale.set(objects, t, p.namespace(), p.name(), (ObjectNode) patched, ""));
            }
            default -> throw ApiException.methodNotAllowed("PATCH");
        };
    }

    private void deleteCollection(Exchange ex, ApiPath p) {
        ResourceType t = p.type();
        DeleteOptions opts = DeleteOptions.from(ex.query(), ex.body());
        ObjectStore.Page page = objects.listPage(t, p.namespace(), ListOptions.from(ex.query()));
        ObjectNode list = Json.object();
        list.put("kind", t.kind() + "List").put("apiVersion", t.apiVersion());
        list.putObject("metadata").put("resourceVersion", Long.toString(page.revision()));
        var items = list.putArray("items");
        for (ObjectNode o : page.items()) {
            try {
                items.add(objects.delete(t, Meta.namespace(o), Meta.name(o), opts));
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
            }
        }
        ex.respond(200, list);
    }
}
