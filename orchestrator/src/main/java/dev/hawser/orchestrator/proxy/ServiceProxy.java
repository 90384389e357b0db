package dev.hawser.orchestrator.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import dev.hawser.orchestrator.client.Informer;
import dev.hawser.orchestrator.client.ReconcileLoop;
import dev.hawser.orchestrator.client.WorkQueue;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxy: one work-queue key per Service (namespace/name, shared with its Endpoints object), and
 * a sync that makes the listeners of that service match its spec and their backends match its
 * ready endpoint addresses. Listeners and connections run on two small Netty event loops.
 */
public final class ServiceProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceProxy.class);

    /** One listening socket and the backends it spreads connections over. */
    private record Listener(Channel channel, Backends backends) {
    }

    private final Informer services;
    private final Informer endpoints;
    private final WorkQueue queue = new WorkQueue("proxy", Duration.ofSeconds(30));
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(2);
    private final Map<String, Map<String, Listener>> listeners = new ConcurrentHashMap<>();
    private ReconcileLoop loop;

    public ServiceProxy(ApiClient api) {
        this.services = new Informer(api, ResourceTypes.SERVICES);
        this.endpoints = new Informer(api, ResourceTypes.ENDPOINTS);
    }

    public ServiceProxy start() throws InterruptedException, IOException {
        Informer.Handler enqueue = Informer.Handler.enqueueing(queue);
        services.addHandler(enqueue);
        endpoints.addHandler(enqueue);
        services.start();
        endpoints.start();
        if (!services.awaitSynced(Duration.ofSeconds(30)) || !endpoints.awaitSynced(Duration.ofSeconds(30))) {
            throw new IOException("cannot list services and endpoints within 30 s");
        }
        loop = new ReconcileLoop("proxy", queue, this::sync, 1).start();
        return this;
    }

    void sync(String key) throws InterruptedException {
        Map<String, Listener> current = listeners.computeIfAbsent(key, k -> new HashMap<>());
        Map<String, Listener> wanted = new HashMap<>();
        Optional<ObjectNode> svc = services.get(key);
        Optional<ObjectNode> eps = endpoints.get(key);
        String ip = svc.map(s -> s.path("spec").path("clusterIP").asText("")).orElse("");
        if (!ip.isEmpty() && !ip.equals("None")) {
            for (JsonNode port : svc.get().path("spec").path("ports")) {
                if (!port.path("protocol").asText("TCP").equals("TCP")) {
                    continue;
                }
                String address = ip + ":" + port.path("port").asInt();
                Listener l = current.get(address);
                if (l == null || !l.channel().isActive()) {
                    l = listen(key, ip, port.path("port").asInt());
                    LOG.info("proxying {} port {} on {}", key, port.path("name").asText(port.path("port").asText()), address);
                }
                l.backends().set(eps.map(e -> readyAddresses(e, port.path("name").asText(""))).orElse(List.of()));
                wanted.put(address, l);
            }
        }
        for (Map.Entry<String, Listener> e : current.entrySet()) {
            if (!wanted.containsKey(e.getKey())) {
                LOG.info("no longer proxying {} on {}", key, e.getKey());
                e.getValue().channel().close();
            }
        }
        if (wanted.isEmpty()) {
            listeners.remove(key);
        } else {
            listeners.put(key, wanted);
        }
    }

    /** Ready addresses of the subsets whose port has {@code portName} ("" matches an unnamed port). */
    static List<InetSocketAddress> readyAddresses(JsonNode endpoints, String portName) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (JsonNode subset : endpoints.path("subsets")) {
            int port = 0;
            for (JsonNode p : subset.path("ports")) {
                if (portName.equals(p.path("name").asText("")) || subset.path("ports").size() == 1 && portName.isEmpty()) {
                    port = p.path("port").asInt();
                }
            }
            if (port == 0) {
                continue;
            }
            for (JsonNode a : subset.path("addresses")) {
                out.add(new InetSocketAddress(a.path("ip").asText(), port));
            }
        }
        return out;
    }

    private Listener listen(String key, String ip, int port) throws InterruptedException {
        Backends backends = new Backends();
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Splice(backends, key));
                    }
                });
        var bound = b.bind(ip, port).await();
        if (!bound.isSuccess()) {
            throw new IllegalStateException("cannot listen on " + ip + ":" + port + " for service " + key + ": " + bound.cause().getMessage());
        }
        return new Listener(bound.channel(), backends);
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.close();
        }
        services.close();
        endpoints.close();
        listeners.values().forEach(m -> m.values().forEach(l -> l.channel().close()));
        boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
