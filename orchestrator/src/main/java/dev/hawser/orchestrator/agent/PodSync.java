package dev.hawser.orchestrator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.WorkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The level-triggered reconcile of one pod key: compares the pod in the informer cache with what
 * runs for it and acts (start, restart after back-off, kill on liveness failure, stop on deletion
 * or removal, final DELETE), then writes the status if it changed. It never waits: process exits
 * and probe results enqueue the key again, and back-off ends are scheduled with addAfter.
 */
final class PodSync {
    private static final Logger LOG = LoggerFactory.getLogger(PodSync.class);
    private static final Duration CONFIG_RETRY = Duration.ofSeconds(2);

    private final AgentServices services;
    private final Informer pods;
    private final Informer serviceInformer;
    private final WorkQueue queue;
    private final PodIpPool ips;
    private final Path podsDir;
    private final Map<String, PodRuntime> runtimes = new ConcurrentHashMap<>();

    PodSync(AgentServices services, Informer pods, Informer serviceInformer, WorkQueue queue, Path podsDir) {
        this.services = services;
        this.pods = pods;
        this.serviceInformer = serviceInformer;
        this.queue = queue;
        this.podsDir = podsDir;
        this.ips = new PodIpPool(services.config().podCidr());
    }

    Optional<PodRuntime> runtime(String namespace, String name) {
        return Optional.ofNullable(runtimes.get(namespace + "/" + name));
    }

    void sync(String key) {
        Optional<ObjectNode> cached = pods.get(key);
        PodRuntime rt = runtimes.get(key);
        if (rt != null && (cached.isEmpty() || !Meta.uid(cached.get()).equals(rt.uid))) {
            // Gone from the API (or replaced by a new pod of the same name) while processes still run.
            if (!stopAll(rt, gracePeriod(rt.lastPod))) {
                return; // the exits enqueue the key again
            }
            drop(rt);
            rt = null;
        }
        if (cached.isEmpty()) {
            return;
        }
        ObjectNode pod = cached.get();
        if (rt == null) {
            String phase = pod.path("status").path("phase").asText();
            boolean finished = phase.equals("Succeeded") || phase.equals("Failed");
            if (Meta.isDeleting(pod)) {
                finish(pod); // nothing runs for it here
                return;
            }
            if (finished) {
                return; // a previous agent ran it to the end; it does not run again
            }
            rt = admit(pod);
        }
        rt.lastPod = pod;
        if (Meta.isDeleting(pod)) {
            if (stopAll(rt, gracePeriod(pod))) {
                writeStatus(pod, rt);
                finish(pod);
                drop(rt);
            } else {
                writeStatus(pod, rt);
            }
            return;
        }
        String policy = pod.path("spec").path("restartPolicy").asText("Always");
        for (JsonNode spec : pod.path("spec").path("containers")) {
            ContainerRuntime c = rt.container(spec.path("name").asText());
            if (c != null) {
                c.setSpec(spec);
                reconcile(key, pod, rt, c, policy);
            }
        }
        writeStatus(pod, rt);
    }

    private PodRuntime admit(ObjectNode pod) {
        String key = Informer.key(pod);
        String ip = ips.allocate(Meta.uid(pod), pod.path("status").path("podIP").asText(""));
        PodRuntime rt = new PodRuntime(pod, ip, podsDir, services, () -> queue.add(key));
        runtimes.put(key, rt);
        boolean hasLimits = false;
        for (JsonNode c : pod.path("spec").path("containers")) {
            hasLimits |= c.path("resources").path("limits").size() > 0;
        }
        if (hasLimits && !services.cgroups().enforced()) {
            services.events().warning(pod, "LimitsNotEnforced", "cpu/memory limits are not enforced on node "
                    + services.config().nodeName() + ": " + services.cgroups().whyNotEnforced());
        }
        return rt;
    }

    private void reconcile(String key, ObjectNode pod, PodRuntime rt, ContainerRuntime c, String policy) {
        if (c.isRunning()) {
            String failure = c.livenessFailure();
            if (failure != null && !c.terminating()) {
                services.events().normal(pod, "Killing", "Container " + c.name + " failed its probe (" + failure + "), will be restarted");
                c.terminate(gracePeriod(pod));
            }
            return;
        }
        if (!PodStatusView.willRestart(policy, c, false)) {
            return;
        }
        Instant now = services.clock().instant();
        Instant at = c.restartAt();
        if (at != null && at.isAfter(now)) {
            queue.addAfter(key, Duration.between(now, at));
            return;
        }
        Map<String, String> env;
        try {
            env = services.env().build(pod, c.spec(), rt.ip, services.config().nodeName(), System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                    serviceInformer.list(s -> Meta.namespace(s).equals(Meta.namespace(pod))));
        } catch (ContainerEnv.ConfigException e) {
            c.configError(e.getMessage());
            queue.addAfter(key, CONFIG_RETRY);
            return;
        }
        c.start(rt.ip, env);
        if (c.isRunning()) {
            LOG.debug("started container {} of {} (restart {})", c.name, key, c.restartCount());
        }
    }

    /** Asks every container to stop; true once none runs. */
    private boolean stopAll(PodRuntime rt, Duration grace) {
        for (ContainerRuntime c : rt.containers()) {
            c.terminate(grace);
        }
        return !rt.anyRunning();
    }

    private void writeStatus(ObjectNode pod, PodRuntime rt) {
        ObjectNode status = PodStatusView.build(pod, rt, services.config().address(), services.clock().instant());
        if (status.equals(pod.get("status"))) {
            return;
        }
        long cachedVersion = version(pod);
        if (status.equals(rt.lastWritten) && cachedVersion <= rt.lastWrittenVersion) {
            return; // written already; the cache has not caught up yet
        }
        ObjectNode update = pod.deepCopy();
        update.set("status", status);
        ObjectNode written = services.api().updateStatus(ResourceTypes.PODS, update);
        rt.lastWritten = status;
        rt.lastWrittenVersion = version(written);
    }

    /** The final DELETE once nothing runs: grace 0, and only for this uid (a new pod of the same name is not ours to delete). */
    private void finish(ObjectNode pod) {
        ObjectNode options = Json.object();
        options.put("apiVersion", "v1").put("kind", "DeleteOptions").put("gracePeriodSeconds", 0);
        options.putObject("preconditions").put("uid", Meta.uid(pod));
        try {
            services.api().delete(ResourceTypes.PODS, Meta.namespace(pod), Meta.name(pod), options);
        } catch (ApiException e) {
            if (e.code() != 409) {
                throw e;
            }
        }
    }

    private void drop(PodRuntime rt) {
        runtimes.remove(rt.key, rt);
        ips.release(rt.uid);
        rt.deleteFiles();
    }

    /** Stops every pod this agent runs (agent shutdown): SIGKILL, since the agent's exit ends the log pipes anyway. */
    void killAll() {
        for (PodRuntime rt : runtimes.values()) {
            stopAll(rt, Duration.ZERO);
        }
    }

    private static Duration gracePeriod(JsonNode pod) {
        JsonNode md = pod.path("metadata");
        long seconds = md.hasNonNull("deletionGracePeriodSeconds") ? md.get("deletionGracePeriodSeconds").asLong()
                : pod.path("spec").path("terminationGracePeriodSeconds").asLong(30);
        return Duration.ofSeconds(Math.max(seconds, 1));
    }

    private static long version(JsonNode o) {
        try {
            return Long.parseLong(Meta.resourceVersion(o));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
