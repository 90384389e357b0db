package dev.hawser.kvstore.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.ClientAuth;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContextBuilder;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslProvider;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * TLS between members (the Raft port), from etcd's flags: {@code --peer-cert-file}, {@code --peer-key-file},
 * {@code --peer-trusted-ca-file}, {@code --peer-client-cert-auth} and {@code --peer-cert-allowed-cn}.
 *
 * <p>With it on, every Raft connection is TLS: a member's listener serves {@code --peer-cert-file}, and when it
 * dials another member (log replication, snapshot install, votes, forwarded writes and admin calls, joining) it
 * checks that member's certificate against {@code --peer-trusted-ca-file} (the JVM's CAs without it) and the
 * address it dialled, and presents its own certificate. With {@code --peer-client-cert-auth} a member accepts only
 * peers whose certificate the trusted CA signed; with {@code --peer-cert-allowed-cn} also only those whose
 * certificate's CN is that name, in both directions (as etcd does). Plain-text peers cannot connect at all.
 */
public record PeerTls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth, String allowedCn) {
    public PeerTls {
        if (certFile == null || keyFile == null) {
            throw new IllegalArgumentException("--peer-cert-file and --peer-key-file go together");
        }
        if (clientCertAuth && trustedCaFile == null) {
            throw new IllegalArgumentException("--peer-client-cert-auth needs --peer-trusted-ca-file");
        }
        if (allowedCn != null && !clientCertAuth) {
            throw new IllegalArgumentException("--peer-cert-allowed-cn needs --peer-client-cert-auth");
        }
        for (Path p : trustedCaFile == null ? new Path[]{certFile, keyFile} : new Path[]{certFile, keyFile, trustedCaFile}) {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("cannot read " + p);
            }
        }
    }

    /** Key and trust material, loaded once; reading them also checks the files before the member starts. */
    private record Material(X509KeyManager keyManager, X509ExtendedTrustManager trustManager) {
    }

    private Material load() {
        try {
            List<X509Certificate> chain = certificates(certFile);
            if (chain.isEmpty()) {
                throw new IllegalArgumentException(certFile + " holds no PEM certificate");
            }
            PrivateKey key = privateKey(keyFile);
            char[] none = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("peer", key, none, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);

            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (trustedCaFile == null) {
                tmf.init((KeyStore) null);
            } else {
                List<X509Certificate> cas = certificates(trustedCaFile);
                if (cas.isEmpty()) {
                    throw new IllegalArgumentException(trustedCaFile + " holds no PEM certificate");
                }
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca-" + i, cas.get(i));
                }
                tmf.init(trust);
            }
            return new Material(only(kmf.getKeyManagers(), X509KeyManager.class),
                    new AllowedCn(only(tmf.getTrustManagers(), X509ExtendedTrustManager.class), allowedCn));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot load the peer certificate or key (" + certFile + ", " + keyFile
                    + (trustedCaFile == null ? "" : ", " + trustedCaFile) + "): " + e.getMessage(), e);
        }
    }

    /**
     * Puts this TLS setup into the parameters of a Ratis server or client. The outgoing side (log replication,
     * votes, snapshot install, and every RaftClient call) always presents this member's certificate, so it also
     * reaches members that require one. The listener asks for and checks a peer certificate only with
     * {@code --peer-client-cert-auth}.
     */
    public Parameters parameters() {
        Material m = load();
        GrpcTlsConfig outgoing = GrpcTlsConfig.newBuilder()
                .setKeyManager(m.keyManager())
                .setTrustManager(m.trustManager())
                .setMutualTls(true)
                .setSslProvider(SslProvider.JDK)
                .build();
        SslContext listener = serverContext(m);
        Parameters p = new Parameters();
        // The default for the server, client and admin services alike: Hawser serves them on one port.
        GrpcConfigKeys.TLS.setConf(p, outgoing);
        // Ratis' own listener context can only require client certificates or not check them at all; the
        // customizer replaces it with one that follows --peer-client-cert-auth and --peer-cert-allowed-cn.
        GrpcConfigKeys.Server.setServicesCustomizer(p, (builder, types) -> builder.sslContext(listener));
        return p;
    }

    private SslContext serverContext(Material m) {
        try {
            SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(m.keyManager()), SslProvider.JDK);
            if (clientCertAuth) {
                b.trustManager(m.trustManager()).clientAuth(ClientAuth.REQUIRE);
            } else {
                b.clientAuth(ClientAuth.NONE);
            }
            return b.build();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot set up peer TLS: " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> certificates(Path file) throws IOException, CertificateException {
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        }
        return out;
    }

    /** A PEM private key: PKCS#8 ({@code PRIVATE KEY}), or SEC1/PKCS#1 ({@code EC PRIVATE KEY}, {@code RSA PRIVATE KEY}). */
    private static PrivateKey privateKey(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        }
        throw new IOException(file + " holds no unencrypted PEM private key");
    }

    private static <T> T only(Object[] managers, Class<T> type) throws GeneralSecurityException {
        for (Object m : managers) {
            if (type.isInstance(m)) {
                return type.cast(m);
            }
        }
        throw new GeneralSecurityException("no " + type.getSimpleName() + " available");
    }

    /** The CN of a certificate's subject, or null. */
    static String commonName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }

    /**
     * The JVM's PKIX checks (chain to the trusted CA, validity, key usage and, for servers, the address dialled),
     * then, with {@code --peer-cert-allowed-cn}, the CN of the peer's certificate.
     */
    private static final class AllowedCn extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final String allowedCn;

        AllowedCn(X509ExtendedTrustManager delegate, String allowedCn) {
            this.delegate = delegate;
            this.allowedCn = allowedCn;
        }

        private void checkCn(X509Certificate[] chain) throws CertificateException {
            if (allowedCn == null) {
                return;
            }
            String cn = chain == null || chain.length == 0 ? null : commonName(chain[0]);
            if (!allowedCn.equals(cn)) {
                throw new CertificateException("peer certificate CN " + cn + " is not the allowed CN " + allowedCn);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
            checkCn(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
            checkCn(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
            checkCn(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
            checkCn(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
            checkCn(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, engine);
            checkCn(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
