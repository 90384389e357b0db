package dev.hawser.orchestrator.cli;

import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.LeaderElector;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a component only while it holds its Lease in kube-system; losing the lease ends the process
 * (as kube-controller-manager does), so a supervisor restarts it as a standby.
 */
final class LeaderElected {
    static final Duration LEASE = Duration.ofSeconds(15);
    static final Duration RETRY = Duration.ofSeconds(2);

    private LeaderElected() {
    }

    static int run(String lease, ApiClient api, boolean elect, String identity, Runnable start, Runnable stop) throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run();
            stopped.countDown();
        }, lease + "-shutdown"));
        if (!elect) {
            start.run();
            stopped.await();
            return 0;
        }
        String id = identity != null ? identity : InetAddress.getLocalHost().getHostName() + "_" + ProcessHandle.current().pid();
        new LeaderElector(api, "kube-system", lease, id, LEASE, RETRY).run(start);
        System.err.println("hawser: lost the " + lease + " lease; exiting so a standby can lead");
        return 1;
    }
}
