package dev.hawser.orchestrator.cli;

import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.KubeConfig;
import dev.hawser.orchestrator.scheduler.Scheduler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
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
        Scheduler[] running = new Scheduler[1];
        return LeaderElected.run("kube-scheduler", api, leaderElect, identity, () -> {
            try {
                running[0] = Scheduler.startWithInformers(api);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, () -> {
            if (running[0] != null) {
                running[0].close();
            }
        });
    }
}
