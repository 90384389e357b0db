package dev.hawser.orchestrator.cli;

import dev.hawser.orchestrator.client.KubeConfig;
import dev.hawser.orchestrator.controller.ControllerManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code hawser controller-manager}: every controller, one active copy at a time through leader election. */
@Command(name = "controller-manager", mixinStandardHelpOptions = true,
        description = "Run the ReplicaSet, Deployment, Endpoints, node lifecycle, namespace and garbage-collection controllers.")
public final class ControllerManagerCommand implements Callable<Integer> {
    @Option(names = "--kubeconfig", required = true, description = "kubeconfig with the API server and credentials.")
    Path kubeconfig;

    @Option(names = "--leader-elect", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Take part in leader election; only the leader runs controllers (default: ${DEFAULT-VALUE}).")
    boolean leaderElect;

    @Option(names = "--node-monitor-grace-period", defaultValue = "40s", converter = DurationConverter.class,
            description = "A node whose lease is older than this is marked Unknown (default: ${DEFAULT-VALUE}).")
    Duration nodeGrace;

    @Option(names = "--pod-eviction-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "Pods of an Unknown node are deleted (and replaced elsewhere) after this (default: ${DEFAULT-VALUE}).")
    Duration podEviction;

    @Option(names = "--identity", description = "Name in leader election (default: host name and pid).")
    String identity;

    @Override
    public Integer call() throws Exception {
        ControllerManager cm = new ControllerManager(KubeConfig.load(kubeconfig), nodeGrace, podEviction);
        return LeaderElected.run("kube-controller-manager", KubeConfig.load(kubeconfig), leaderElect, identity, cm::start, cm::close);
    }
}
