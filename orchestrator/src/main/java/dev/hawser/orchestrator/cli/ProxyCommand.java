package dev.hawser.orchestrator.cli;

import dev.hawser.orchestrator.client.KubeConfig;
import dev.hawser.orchestrator.proxy.ServiceProxy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code hawser proxy}: the service proxy, listening on every Service's cluster IP and port. */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "Run the service proxy: clusterIP:port connections go round-robin to ready endpoints.")
public final class ProxyCommand implements Callable<Integer> {
    @Option(names = "--kubeconfig", required = true, paramLabel = "FILE", description = "How to reach the API server.")
    Path kubeconfig;

    @Override
    public Integer call() throws Exception {
        ServiceProxy proxy = new ServiceProxy(KubeConfig.load(kubeconfig)).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            stopped.countDown();
        }, "proxy-shutdown"));
        stopped.await();
        return 0;
    }
}
