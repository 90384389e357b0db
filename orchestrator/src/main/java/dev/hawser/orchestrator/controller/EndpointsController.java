package dev.hawser.orchestrator.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.LabelSelector;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.ReconcileLoop;
import dev.hawser.orchestrator.client.WorkQueue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Endpoints object per Service with a selector: the IPs of the matching pods, ready ones in
 * {@code addresses} and the others in {@code notReadyAddresses}, with target ports resolved per pod
 * (a named targetPort may map to different numbers in different pods).
 */
public final class EndpointsController implements AutoCloseable {
    private final ApiClient api;
    private final Informer services;
    private final Informer pods;
    private final Informer endpoints;
    private final WorkQueue queue = new WorkQueue("endpoints");
    private final ReconcileLoop loop;

    public EndpointsController(ApiClient api, Informer services, Informer pods, Informer endpoints) {
        this.api = api;
        this.services = services;
        this.pods = pods;
        this.endpoints = endpoints;
        services.addHandler(Informer.Handler.enqueueing(queue));
        pods.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode p) {
                enqueueServicesOf(p, null);
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode p) {
                enqueueServicesOf(p, old);
            }

            @Override
            public void onDelete(ObjectNode p) {
                enqueueServicesOf(p, null);
            }
        });
        this.loop = new ReconcileLoop("endpoints", queue, this::reconcile, 2);
    }

    public void start() {
        loop.start();
    }

    private void enqueueServicesOf(ObjectNode pod, ObjectNode old) {
        for (ObjectNode s : services.list(s -> Meta.namespace(s).equals(Meta.namespace(pod)))) {
            LabelSelector sel = selectorOf(s);
            if (sel != null && (sel.matches(pod) || (old != null && sel.matches(old)))) {
                queue.add(Informer.key(s));
            }
        }
    }

    private static LabelSelector selectorOf(JsonNode service) {
        JsonNode sel = service.path("spec").path("selector");
        return sel.isObject() && sel.size() > 0 ? LabelSelector.fromMap(Meta.stringMap(sel)) : null;
    }

    void reconcile(String key) {
        ObjectNode service = services.get(key).orElse(null);
        String ns = key.substring(0, key.indexOf('/'));
        String name = key.substring(key.indexOf('/') + 1);
        if (service == null) {
            if (endpoints.get(key).isPresent()) {
                api.delete(ResourceTypes.ENDPOINTS, ns, name, null);
            }
            return;
        }
        LabelSelector sel = selectorOf(service);
        if (sel == null) {
            return; // endpoints of selector-less services are managed by their users
        }
        boolean publishNotReady = service.path("spec").path("publishNotReadyAddresses").asBoolean();
        // Pods grouped by their resolved port list: one subset each.
        Map<String, ObjectNode> subsets = new LinkedHashMap<>();
        List<ObjectNode> matching = pods.list(p -> Meta.namespace(p).equals(ns) && sel.matches(p)
                && !p.path("status").path("podIP").asText("").isEmpty() && !Meta.isDeleting(p));
        matching.sort(java.util.Comparator.comparing(Meta::name));
        for (ObjectNode pod : matching) {
            ArrayNode ports = resolvePorts(service, pod);
            String portsKey = ports.toString();
            ObjectNode subset = subsets.computeIfAbsent(portsKey, k -> {
                ObjectNode s = Json.object();
                s.set("ports", ports);
                return s;
            });
            ObjectNode address = Json.object();
            address.put("ip", pod.path("status").path("podIP").asText());
            if (!pod.path("spec").path("nodeName").asText("").isEmpty()) {
                address.put("nodeName", pod.path("spec").path("nodeName").asText());
            }
            address.putObject("targetRef").put("kind", "Pod").put("namespace", ns).put("name", Meta.name(pod)).put("uid", Meta.uid(pod));
            boolean ready = publishNotReady || Pods.isReady(pod);
            subset.withArray(ready ? "addresses" : "notReadyAddresses").add(address);
        }
        ObjectNode desired = Json.object();
        desired.put("apiVersion", "v1").put("kind", "Endpoints");
        ObjectNode md = desired.putObject("metadata");
        md.put("name", name).put("namespace", ns);
        if (service.path("metadata").has("labels")) {
            md.set("labels", service.path("metadata").path("labels"));
        }
        ArrayNode list = desired.putArray("subsets");
        subsets.values().forEach(list::add);
        ObjectNode current = endpoints.get(key).orElse(null);
        if (current == null) {
            api.create(ResourceTypes.ENDPOINTS, ns, desired);
        } else if (!current.path("subsets").equals(desired.path("subsets")) || !current.path("metadata").path("labels").equals(md.path("labels"))) {
            md.put("resourceVersion", Meta.resourceVersion(current));
            api.update(ResourceTypes.ENDPOINTS, desired);
        }
    }

    private static ArrayNode resolvePorts(JsonNode service, JsonNode pod) {
        ArrayNode out = Json.array();
        for (JsonNode sp : service.path("spec").path("ports")) {
            JsonNode target = sp.path("targetPort");
            int port;
            if (target.isInt() || (target.isTextual() && target.asText().matches("\\d+"))) {
                port = target.asInt();
            } else if (target.isTextual()) {
                port = namedPort(pod, target.asText());
                if (port == 0) {
                    continue;
                }
            } else {
                port = sp.path("port").asInt();
            }
            ObjectNode p = out.addObject();
            if (sp.has("name")) {
                p.put("name", sp.path("name").asText());
            }
            p.put("port", port).put("protocol", sp.path("protocol").asText("TCP"));
        }
        return out;
    }

    private static int namedPort(JsonNode pod, String name) {
        for (JsonNode c : pod.path("spec").path("containers")) {
            for (JsonNode p : c.path("ports")) {
                if (name.equals(p.path("name").asText())) {
                    return p.path("containerPort").asInt();
                }
            }
        }
        return 0;
    }

    @Override
    public void close() {
        loop.close();
    }
}
