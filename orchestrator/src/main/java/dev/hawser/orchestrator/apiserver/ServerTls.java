package dev.hawser.orchestrator.apiserver;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * The API server's TLS (kube-apiserver's {@code --tls-cert-file}, {@code --tls-private-key-file},
 * {@code --client-ca-file}): a server certificate, and optionally a CA whose client certificates are
 * accepted as identities. Client certificates are requested, not required, so token users still connect.
 */
public record ServerTls(Path certFile, Path keyFile, Path clientCaFile) {
    SslContext sslContext() throws IOException {
        SslContextBuilder b = SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile());
        if (clientCaFile != null) {
            b.trustManager(clientCaFile.toFile()).clientAuth(ClientAuth.OPTIONAL);
        }
        return b.build();
    }

    static X509Certificate peerCertificate(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
