package dev.hawser.kvstore.server;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;

import javax.net.ssl.SSLException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS for the client port, from etcd's flags: {@code --cert-file}, {@code --key-file},
 * {@code --trusted-ca-file}, {@code --client-cert-auth}. With client-cert-auth every client must
 * present a certificate signed by the trusted CA; plain-text clients cannot connect at all.
 */
public record ClientTls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth) {
    public ClientTls {
        for (Path p : new Path[]{certFile, keyFile}) {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("cannot read " + p);
            }
        }
        if (clientCertAuth && trustedCaFile == null) {
            throw new IllegalArgumentException("--client-cert-auth needs --trusted-ca-file");
        }
        if (trustedCaFile != null && !Files.isReadable(trustedCaFile)) {
            throw new IllegalArgumentException("cannot read " + trustedCaFile);
        }
    }

    SslContext sslContext() throws SSLException {
        var b = GrpcSslContexts.forServer(certFile.toFile(), keyFile.toFile());
        if (trustedCaFile != null) {
            b.trustManager(trustedCaFile.toFile()).clientAuth(clientCertAuth ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        return b.build();
    }
}
