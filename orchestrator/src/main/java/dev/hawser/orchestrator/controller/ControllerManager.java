package dev.hawser.orchestrator.controller;

import dev.hawser.orchestrator.client.EventRecorder;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** All controllers over one set of shared informers (one list+watch per kind, as kube-controller-manager shares them). */
public final class ControllerManager implements AutoCloseable {
    private final List<Informer> informers;
    private final List<AutoCloseable> controllers;
    private final List<Runnable> starters;

    public ControllerManager(ApiClient api, Duration nodeGrace, Duration podEviction) {
        Informer namespaces = new Informer(api, ResourceTypes.NAMESPACES);
        Informer nodes = new Informer(api, ResourceTypes.NODES);
        Informer nodeLeases = new Informer(api, ResourceTypes.LEASES, "kube-node-lease", "", Duration.ofMinutes(5));
        Informer pods = new Informer(api, ResourceTypes.PODS);
        Informer services = new Informer(api, ResourceTypes.SERVICES);
        Informer endpoints = new Informer(api, ResourceTypes.ENDPOINTS);
        Informer replicaSets = new Informer(api, ResourceTypes.REPLICASETS);
        Informer deployments = new Informer(api, ResourceTypes.DEPLOYMENTS);
        informers = List.of(namespaces, nodes, nodeLeases, pods, services, endpoints, replicaSets, deployments);
        EventRecorder events = new EventRecorder(api, "controller-manager");
        ReplicaSetController rs = new ReplicaSetController(api, replicaSets, pods, events);
        DeploymentController deploy = new DeploymentController(api, deployments, replicaSets, events);
        EndpointsController ep = new EndpointsController(api, services, pods, endpoints);
        NodeLifecycleController nodeLife = new NodeLifecycleController(api, nodes, nodeLeases, pods, events, nodeGrace, podEviction);
        NamespaceController ns = new NamespaceController(api, namespaces);
        GarbageCollector gc = new GarbageCollector(api, Map.of("Deployment", deployments, "ReplicaSet", replicaSets, "Pod", pods));
        controllers = List.of(rs, deploy, ep, nodeLife, ns, gc);
        starters = List.of(rs::start, deploy::start, ep::start, nodeLife::start, ns::start, gc::start);
    }

    /** Starts the informers, waits for their first lists, then starts the controllers. */
    public void start() {
        informers.forEach(Informer::start);
        for (Informer i : informers) {
            try {
                if (!i.awaitSynced(Duration.ofMinutes(2))) {
                    throw new IllegalStateException("could not list " + i.type().plural() + " from the API server");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        starters.forEach(Runnable::run);
    }

    @Override
    public void close() {
        for (AutoCloseable c : controllers) {
            try {
                c.close();
            } catch (Exception ignored) {
                // shutting down
            }
        }
        informers.forEach(Informer::close);
    }
}
