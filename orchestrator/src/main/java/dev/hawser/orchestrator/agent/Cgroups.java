package dev.hawser.orchestrator.agent;

import dev.hawser.orchestrator.api.Quantity;
import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * Container cpu/memory limits through cgroup v2. The agent only uses a cgroup directory it was given
 * (--cgroup-root) that is cgroup v2, writable, and offers the cpu and memory controllers: a delegated
 * subtree (for example from {@code systemd-run --scope -p Delegate=yes}). The agent never moves
 * itself, so the no-internal-processes rule holds as long as the given directory has no processes.
 * Anywhere else limits are not enforced, and {@link #whyNotEnforced()} says why in one line.
 */
final class Cgroups {
    private static final Logger LOG = LoggerFactory.getLogger(Cgroups.class);

    private final Path root;
    private final String whyNot;

    private Cgroups(Path root, String whyNot) {
        this.root = root;
        this.whyNot = whyNot;
    }

    static Cgroups detect(Path root) {
        if (root == null) {
            String kind = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "cgroup v2" : "cgroup v1 or none";
            return new Cgroups(null, "no delegated cgroup v2 directory was given to the agent (--cgroup-root; this node has " + kind + ")");
        }
        try {
            if (!Files.exists(root.resolve("cgroup.controllers"))) {
                return new Cgroups(null, root + " is not a cgroup v2 directory");
            }
            String controllers = Files.readString(root.resolve("cgroup.controllers"));
            if (!controllers.contains("cpu") || !controllers.contains("memory")) {
                return new Cgroups(null, root + " does not offer the cpu and memory controllers (has: " + controllers.trim() + ")");
            }
            if (!Files.readString(root.resolve("cgroup.procs")).isBlank()) {
                return new Cgroups(null, root + " has processes of its own, so its children cannot get controllers");
            }
            Files.writeString(root.resolve("cgroup.subtree_control"), "+cpu +memory");
            return new Cgroups(root, null);
        } catch (IOException e) {
            return new Cgroups(null, "cannot use " + root + ": " + e.getMessage());
        }
    }

    boolean enforced() {
        return root != null;
    }

    String whyNotEnforced() {
        return whyNot;
    }

    /** A cgroup for one container instance with its limits, or null when it has none (or they cannot be set). */
    Path create(String name, JsonNode limits) throws IOException {
        if (root == null || limits == null || (!limits.has("cpu") && !limits.has("memory"))) {
            return null;
        }
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        if (limits.has("memory")) {
            Files.writeString(dir.resolve("memory.max"), Long.toString(Quantity.value(limits.get("memory").asText())));
        }
        if (limits.has("cpu")) {
            long period = 100_000;
            long quota = Math.max(1000, Quantity.millis(limits.get("cpu").asText()) * period / 1000);
            Files.writeString(dir.resolve("cpu.max"), quota + " " + period);
        }
        return dir;
    }

    /** Removes a container's cgroup once its processes are gone (rmdir only succeeds on an empty cgroup). */
    void remove(Path dir) {
        if (dir == null) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).filter(Files::isDirectory).forEach(d -> d.toFile().delete());
        } catch (IOException e) {
            LOG.debug("cannot remove cgroup {}: {}", dir, e.getMessage());
        }
    }
}
