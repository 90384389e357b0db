package dev.hawser.orchestrator.agent;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a node agent is started with. The intervals are the kubelet's defaults in production
 * and short in tests.
 *
 * @param cgroupRoot a delegated cgroup v2 directory for container limits, or null (limits not enforced)
 * @param workingDir where containers without {@code workingDir} run (like Nomad's raw_exec: the agent's own)
 */
public record AgentConfig(String nodeName, String address, int port, String podCidr, Path rootDir,
                          String cpu, String memory, int maxPods, Path cgroupRoot, Path workingDir,
                          Duration leaseRenewInterval, int leaseDurationSeconds, Duration nodeStatusInterval,
                          Duration restartBackoffBase, Duration restartBackoffMax, Duration backoffResetAfter,
                          long maxLogFileBytes) {

    public static AgentConfig defaults(String nodeName, String address, int port, String podCidr, Path rootDir) {
        return new AgentConfig(nodeName, address, port, podCidr, rootDir, "2", "4Gi", 110, null,
                Path.of("").toAbsolutePath(), Duration.ofSeconds(10), 40, Duration.ofMinutes(1),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10), 10L << 20);
    }

    public AgentConfig withResources(String cpu, String memory, int maxPods) {
        return new AgentConfig(nodeName, address, port, podCidr, rootDir, cpu, memory, maxPods, cgroupRoot, workingDir,
                leaseRenewInterval, leaseDurationSeconds, nodeStatusInterval, restartBackoffBase, restartBackoffMax,
                backoffResetAfter, maxLogFileBytes);
    }

    public AgentConfig withCgroupRoot(Path cgroupRoot) {
        return new AgentConfig(nodeName, address, port, podCidr, rootDir, cpu, memory, maxPods, cgroupRoot, workingDir,
                leaseRenewInterval, leaseDurationSeconds, nodeStatusInterval, restartBackoffBase, restartBackoffMax,
                backoffResetAfter, maxLogFileBytes);
    }

    public AgentConfig withIntervals(Duration leaseRenew, Duration nodeStatus, Duration backoffBase) {
        return new AgentConfig(nodeName, address, port, podCidr, rootDir, cpu, memory, maxPods, cgroupRoot, workingDir,
                leaseRenew, leaseDurationSeconds, nodeStatus, backoffBase, restartBackoffMax, backoffResetAfter, maxLogFileBytes);
    }
}
