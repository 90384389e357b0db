package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request and its answer: either a whole response, or a chunked stream (watches, followed
 * logs) that stays open until either side ends it. Writes may come from any thread.
 */
public final class Exchange {
    /** A stream whose client reads this far behind is cut off; the client re-watches from where it was. */
    static final long MAX_PENDING_BYTES = 16L << 20;

    private final ChannelHandlerContext ctx;
    private final HttpMethod method;
    private final String path;
    private final Map<String, String> query;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final byte[] body;
    private final boolean keepAlive;
    private volatile User user = User.ANONYMOUS;
    private final java.security.cert.X509Certificate peerCertificate;
    private boolean streaming;

    Exchange(ChannelHandlerContext ctx, FullHttpRequest request) {
        this.ctx = ctx;
        this.peerCertificate = ServerTls.peerCertificate(ctx);
        this.method = request.method();
        QueryStringDecoder d = new QueryStringDecoder(request.uri());
        this.path = d.path();
        Map<String, String> q = new LinkedHashMap<>();
        d.parameters().forEach((k, v) -> q.put(k, v.isEmpty() ? "" : v.get(v.size() - 1)));
        this.query = q;
        request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
        byte[] b = new byte[request.content().readableBytes()];
        request.content().getBytes(request.content().readerIndex(), b);
        this.body = b;
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    public HttpMethod method() {
        return method;
    }

    public String path() {
        return path;
    }

    public List<String> segments() {
        List<String> s = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                s.add(p);
            }
        }
        return s;
    }

    public Map<String, String> query() {
        return query;
    }

    public String header(String name) {
        return headers.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), "");
    }

    public byte[] body() {
        return body;
    }

    /** The verified client certificate of a mutual-TLS connection, or null. */
    public java.security.cert.X509Certificate peerCertificate() {
        return peerCertificate;
    }

    public User user() {
        return user;
    }

    void user(User u) {
        this.user = u;
    }

    /** kubectl asks for server-side printing with {@code Accept: application/json;as=Table;...}. */
    public boolean wantsTable() {
        return header("accept").contains("as=Table");
    }

    public void respond(int code, JsonNode json) {
        respond(code, "application/json", Json.bytes(json));
    }

    public void respond(int code, String contentType, byte[] content) {
        FullHttpResponse r = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(code), Unpooled.wrappedBuffer(content));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.length);
        r.headers().set("Cache-Control", "no-cache, private");
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    public void fail(ApiException e) {
        respond(e.code(), e.toStatus());
    }

    /** Starts a chunked 200 response; {@code onClose} runs when the client goes away. */
    public void startStream(String contentType, Runnable onClose) {
        streaming = true;
        HttpResponse r = new DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        r.headers().set("Cache-Control", "no-cache, private");
        ctx.channel().closeFuture().addListener(f -> onClose.run());
        ctx.writeAndFlush(r);
    }

    /** Sends one chunk; false if the client is gone or has fallen too far behind (the stream is then closed). */
    public boolean write(byte[] chunk) {
        if (!ctx.channel().isActive()) {
            return false;
        }
        if (ctx.channel().bytesBeforeWritable() > MAX_PENDING_BYTES) {
            ctx.channel().close();
            return false;
        }
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
        return true;
    }

    public void endStream() {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
    }

    public boolean isStreaming() {
        return streaming;
    }

    public String remoteAddress() {
        return String.valueOf(ctx.channel().remoteAddress());
    }
}
