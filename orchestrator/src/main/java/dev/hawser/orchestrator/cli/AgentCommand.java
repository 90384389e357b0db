package dev.hawser.orchestrator.cli;

import dev.hawser.orchestrator.agent.AgentConfig;
import dev.hawser.orchestrator.agent.NodeAgent;
import dev.hawser.orchestrator.client.KubeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code hawser agent}: the node agent (kubelet equivalent) running this node's pods as local processes. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run a node agent: register the node, run the pods bound to it as process groups, serve their logs.")
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--kubeconfig", required = true, paramLabel = "FILE", description = "How to reach the API server.")
    Path kubeconfig;

    @Option(names = "--node-name", paramLabel = "NAME", description = "Node name (default: the host name).")
    String nodeName;

    @Option(names = "--address", defaultValue = "127.0.0.1", description = "InternalIP of the node and address of the log endpoint (default: ${DEFAULT-VALUE}).")
    String address;

    @Option(names = "--port", defaultValue = "10250", description = "Port of the log endpoint; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--pod-cidr", defaultValue = "127.10.0.0/16", description = "Pod addresses are taken from here (default: ${DEFAULT-VALUE}).")
    String podCidr;

    @Option(names = "--root-dir", defaultValue = ".hawser/agent", paramLabel = "DIR", description = "Logs and pid files (default: ${DEFAULT-VALUE}).")
    Path rootDir;

    @Option(names = "--cpu", defaultValue = "2", description = "CPU capacity to report (default: ${DEFAULT-VALUE}).")
    String cpu;

    @Option(names = "--memory", defaultValue = "4Gi", description = "Memory capacity to report (default: ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--max-pods", defaultValue = "110", description = "Pod capacity to report (default: ${DEFAULT-VALUE}).")
    int maxPods;

    @Option(names = "--cgroup-root", paramLabel = "DIR",
            description = "A delegated cgroup v2 directory (cpu and memory controllers, no processes) for container limits; without it limits are not enforced.")
    Path cgroupRoot;

    @Option(names = "--lease-renew-interval", defaultValue = "10", description = "Seconds between node lease renewals (default: ${DEFAULT-VALUE}).")
    long leaseRenewSeconds;

    @Option(names = "--restart-backoff-base", defaultValue = "10", description = "Seconds of the first crash-loop back-off (default: ${DEFAULT-VALUE}).")
    long backoffBaseSeconds;

    @Override
    public Integer call() throws Exception {
        String name = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        AgentConfig config = AgentConfig.defaults(name, address, port, podCidr, rootDir.toAbsolutePath())
                .withResources(cpu, memory, maxPods)
                .withCgroupRoot(cgroupRoot)
                .withIntervals(Duration.ofSeconds(leaseRenewSeconds), Duration.ofMinutes(1), Duration.ofSeconds(backoffBaseSeconds));
        NodeAgent agent = new NodeAgent(config, KubeConfig.load(kubeconfig)).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "agent-shutdown"));
        stopped.await();
        return 0;
    }
}
