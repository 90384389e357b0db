package dev.hawser.orchestrator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Meta;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the agent runs for one pod (one uid): its address, its containers, its directory of logs. */
final class PodRuntime {
    final String key;
    final String uid;
    final String ip;
    final Path dir;
    final Instant startTime;
    private final Map<String, ContainerRuntime> containers = new LinkedHashMap<>();
    /** The last pod object seen, for stopping it after it vanished from the API. */
    volatile JsonNode lastPod;
    /** The status this agent wrote last and the resourceVersion it got, so a stale cache does not cause a rewrite. */
    ObjectNode lastWritten;
    long lastWrittenVersion;

    PodRuntime(JsonNode pod, String ip, Path podsDir, AgentServices services, Runnable changed) {
        this.key = Meta.namespace(pod) + "/" + Meta.name(pod);
        this.uid = Meta.uid(pod);
        this.ip = ip;
        this.dir = podsDir.resolve(Meta.namespace(pod) + "_" + Meta.name(pod) + "_" + uid);
        Instant previousStart = pod.path("status").hasNonNull("startTime")
                ? Instant.parse(pod.path("status").path("startTime").asText()) : null;
        this.startTime = previousStart != null ? previousStart : services.clock().instant();
        this.lastPod = pod;
        Map<String, JsonNode> previous = new LinkedHashMap<>();
        pod.path("status").path("containerStatuses").forEach(cs -> previous.put(cs.path("name").asText(), cs));
        for (JsonNode c : pod.path("spec").path("containers")) {
            String name = c.path("name").asText();
            ContainerRuntime rt = new ContainerRuntime(name, c, dir, services, changed);
            rt.adoptPrevious(previous.get(name));
            containers.put(name, rt);
        }
    }

    Collection<ContainerRuntime> containers() {
        return containers.values();
    }

    ContainerRuntime container(String name) {
        return containers.get(name);
    }

    boolean anyRunning() {
        return containers.values().stream().anyMatch(ContainerRuntime::isRunning);
    }

    void deleteFiles() {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leftovers are removed when the agent next starts
        }
    }
}
