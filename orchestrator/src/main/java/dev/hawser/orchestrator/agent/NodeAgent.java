package dev.hawser.orchestrator.agent;

import dev.hawser.orchestrator.client.EventRecorder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.ReconcileLoop;
import dev.hawser.orchestrator.client.WorkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node agent: wires the heartbeat, the informers, the pod work queue and the log endpoint.
 *
 * <p>On start it kills every process group a previous agent on this root directory left behind,
 * whether or not its pod is still bound here. Containers write through pipes the agent reads (that
 * is how log lines get their timestamps), so a process cannot outlive the agent that read its
 * output in a useful way. Pods still bound to the node are then started again as new instances:
 * their restart count goes up by one and lastState says the process ended with the agent.
 * Directories of pods that are no longer bound are deleted once the pod informer has synced.
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

    private final AgentConfig config;
    private final ApiClient api;
    private final ScheduledExecutorService timers;
    private final Informer pods;
    private final Informer services;
    private final WorkQueue queue = new WorkQueue("agent-pods", Duration.ofSeconds(30));
    private final PodSync sync;
    private final LogServer http;
    private final AgentServices shared;
    private NodeHeartbeat heartbeat;
    private ReconcileLoop loop;

    public NodeAgent(AgentConfig config, ApiClient api) throws IOException {
        this.config = config;
        this.api = api;
        Clock clock = Clock.systemUTC();
        this.timers = Executors.newScheduledThreadPool(3, r -> {
            Thread t = new Thread(r, "agent-timers");
            t.setDaemon(true);
            return t;
        });
        Cgroups cgroups = Cgroups.detect(config.cgroupRoot());
        if (!cgroups.enforced()) {
            LOG.warn("container cpu/memory limits are not enforced on this node: {}", cgroups.whyNotEnforced());
        }
        this.shared = new AgentServices(config, api, new ContainerEnv(api), cgroups, timers, new EventRecorder(api, config.nodeName()), clock);
        this.pods = new Informer(api, ResourceTypes.PODS, "", "fieldSelector=" + ApiClient.enc("spec.nodeName=" + config.nodeName()),
                Duration.ofMinutes(5));
        this.services = new Informer(api, ResourceTypes.SERVICES);
        this.sync = new PodSync(shared, pods, services, queue, podsDir());
        this.http = new LogServer(config.address(), config.port(), sync, clock);
    }

    private Path podsDir() {
        return config.rootDir().resolve("pods");
    }

    public NodeAgent start() throws IOException, InterruptedException {
        Files.createDirectories(podsDir());
        int killed = ProcessGroup.killLeftovers(podsDir());
        if (killed > 0) {
            LOG.info("killed {} process groups left by a previous agent; pods still bound here start again", killed);
        }
        http.start();
        heartbeat = new NodeHeartbeat(api, config, shared.clock(), http.port());
        heartbeat.register();
        heartbeat.renewLease();
        long leaseMillis = config.leaseRenewInterval().toMillis();
        timers.scheduleWithFixedDelay(heartbeat::renewLease, leaseMillis, leaseMillis, TimeUnit.MILLISECONDS);
        long statusMillis = config.nodeStatusInterval().toMillis();
        timers.scheduleWithFixedDelay(heartbeat::updateNodeStatus, statusMillis, statusMillis, TimeUnit.MILLISECONDS);

        Informer.Handler enqueue = Informer.Handler.enqueueing(queue);
        pods.addHandler(enqueue);
        services.start();
        pods.start();
        if (!pods.awaitSynced(Duration.ofSeconds(30)) || !services.awaitSynced(Duration.ofSeconds(30))) {
            throw new IOException("cannot list pods and services from " + api.server() + " within 30 s");
        }
        removeUnboundPodDirectories();
        loop = new ReconcileLoop("agent-pods", queue, sync::sync, 4).start();
        LOG.info("node agent {} running, pod CIDR {}, root {}", config.nodeName(), config.podCidr(), config.rootDir());
        return this;
    }

    public int port() {
        return http.port();
    }

    private void removeUnboundPodDirectories() throws IOException {
        java.util.Set<String> bound = new java.util.HashSet<>();
        pods.list().forEach(p -> bound.add(dev.hawser.orchestrator.api.Meta.uid(p)));
        try (var dirs = Files.list(podsDir())) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                String uid = name.substring(name.lastIndexOf('_') + 1);
                if (!bound.contains(uid)) {
                    try (var walk = Files.walk(d)) {
                        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }

    /** Stops the agent and kills its containers (they could not outlive it; see the class comment). */
    @Override
    public void close() {
        if (loop != null) {
            loop.close();
        }
        pods.close();
        services.close();
        sync.killAll();
        timers.shutdownNow();
        http.close();
    }
}
