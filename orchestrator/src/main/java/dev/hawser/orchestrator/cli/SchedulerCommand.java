package dev.hawser.orchestrator.cli;

import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.KubeConfig;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.EventRecorder;
import dev.hawser.orchestrator.scheduler.Scheduler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code hawser scheduler}: binds unscheduled pods to nodes; one active copy through leader election. */
@Command(name = "scheduler", mixinStandardHelpOptions = true, description = "Assign pods to nodes.")
public final class SchedulerCommand implements Callable<Integer> {
    @Option(names = "--kubeconfig", required = true, description = "kubeconfig with the API server and credentials.")
    Path kubeconfig;

    @Option(names = "--leader-elect", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Take part in leader election (default: ${DEFAULT-VALUE}).")
    boolean leaderElect;

    @Option(names = "--identity", description = "Name in leader election (default: host name and pid).")
    String identity;

    @Override
    public Integer call() throws Exception {
        ApiClient api = KubeConfig.load(kubeconfig);
        Informer pods = new Informer(api, ResourceTypes.PODS);
        Informer nodes = new Informer(api, ResourceTypes.NODES);
        Scheduler scheduler = new Scheduler(api, pods, nodes, new EventRecorder(api, "default-scheduler"));
        return LeaderElected.run("kube-scheduler", api, leaderElect, identity, () -> {
            pods.start();
            nodes.start();
            awaitSynced(pods);
            awaitSynced(nodes);
            scheduler.start();
        }, scheduler::close);
    }

    static void awaitSynced(Informer i) {
        try {
            if (!i.awaitSynced(Duration.ofMinutes(2))) {
                throw new IllegalStateException("could not list " + i.type().plural() + " from the API server");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
