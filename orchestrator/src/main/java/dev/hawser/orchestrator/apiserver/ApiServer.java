package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;

import dev.hawser.orchestrator.client.StoreClient;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The Kubernetes-style REST API over HTTP/1.1 (Netty). Requests are decoded on the event loop and
 * handled on a small worker pool, since each may wait on the store; watch and log streams then
 * continue asynchronously without holding a worker.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    /** kube-apiserver's limit for request bodies (3 MiB); the store's own limit is a little above. */
    static final int MAX_BODY_BYTES = 3 << 20;

    /**
     * Without {@code tls} the server speaks plain HTTP (development only: kubectl never sends a bearer
     * token over plain HTTP, so authentication then needs {@code --anonymous-admin}).
     */
    public record Config(String bindAddress, int port, List<String> storeEndpoints, String storePrefix,
                         Authenticator authenticator, ServerTls tls, int workers, StoreClient.StoreTls storeTls,
                         SecretEncryption secretEncryption) {
        public Config(String bindAddress, int port, List<String> storeEndpoints, String storePrefix,
                      Authenticator authenticator, ServerTls tls, int workers) {
            this(bindAddress, port, storeEndpoints, storePrefix, authenticator, tls, workers, null, null);
        }
    }

    private final Config config;
    private final StoreClient store;
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup io = new NioEventLoopGroup(2);
    private final ThreadPoolExecutor workers;
    private Channel channel;

    public ApiServer(Config config) {
        this.config = config;
        this.store = new StoreClient(config.storeEndpoints(), config.storeTls());
        this.workers = new ThreadPoolExecutor(config.workers(), config.workers(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(1024), r -> {
                    Thread t = new Thread(r, "apiserver-worker");
                    t.setDaemon(true);
                    return t;
                });
    }

    public void start() throws InterruptedException, java.io.IOException {
        ObjectStore objects = new ObjectStore(store, config.storePrefix(), config.secretEncryption());
        Bootstrapping.ensureDefaultNamespaces(objects);
        ApiRouter router = new ApiRouter(config.authenticator(), objects);
        SslContext sslContext = config.tls() == null ? null : config.tls().sslContext();
        channel = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslContext != null) {
                            ch.pipeline().addLast(sslContext.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(MAX_BODY_BYTES), new Dispatch(router));
                    }
                })
                .bind(config.bindAddress(), config.port()).sync().channel();
        LOG.info("API server listening on {}", channel.localAddress());
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownNow();
        store.close();
    }

    private final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ApiRouter router;

        Dispatch(ApiRouter router) {
            this.router = router;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                Exchange ex = new Exchange(ctx, request);
                ex.fail(ApiException.badRequest("malformed HTTP request: " + request.decoderResult().cause()));
                return;
            }
            HttpUtil.setKeepAlive(request, HttpUtil.isKeepAlive(request));
            Exchange ex = new Exchange(ctx, request);
            try {
                workers.execute(() -> router.route(ex));
            } catch (RejectedExecutionException e) {
                ex.fail(new ApiException(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
