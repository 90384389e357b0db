package dev.hawser.orchestrator.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One client connection: connects to the backends in the given order until one accepts, then copies
 * bytes both ways. Reads are driven by completed writes (auto-read off), so a slow side slows the
 * other instead of filling memory; when either side closes, the other is closed after a flush.
 */
final class Splice extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(Splice.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 2000;

    private final Backends backends;
    private final String service;
    private volatile Channel outbound;

    Splice(Backends backends, String service) {
        this.backends = backends;
        this.service = service;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connect(ctx.channel(), backends.attemptOrder(), 0);
    }

    private void connect(Channel inbound, List<InetSocketAddress> order, int i) {
        if (i >= order.size()) {
            LOG.debug("{}: no endpoint accepted the connection ({} tried)", service, order.size());
            inbound.close();
            return;
        }
        Bootstrap b = new Bootstrap().group(inbound.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new Relay(inbound));
        b.connect(order.get(i)).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                outbound = f.channel();
                inbound.read();
                outbound.read();
            } else if (inbound.isActive()) {
                connect(inbound, order, i + 1);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel out = outbound;
        out.writeAndFlush(msg).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                ctx.channel().read();
            } else {
                f.channel().close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(outbound);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closeAfterFlush(ctx.channel());
    }

    static void closeAfterFlush(Channel ch) {
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The backend side: copies the backend's bytes to the client. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel inbound;

        Relay(Channel inbound) {
            this.inbound = inbound;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            inbound.writeAndFlush(msg).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    ctx.channel().read();
                } else {
                    f.channel().close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeAfterFlush(inbound);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeAfterFlush(ctx.channel());
        }
    }
}
