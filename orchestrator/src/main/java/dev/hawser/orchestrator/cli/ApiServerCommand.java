package dev.hawser.orchestrator.cli;

import dev.hawser.orchestrator.apiserver.ApiServer;
import dev.hawser.orchestrator.apiserver.Authenticator;
import dev.hawser.orchestrator.apiserver.SecretEncryption;
import dev.hawser.orchestrator.apiserver.ServerTls;
import dev.hawser.orchestrator.apiserver.TokenAuthenticator;
import dev.hawser.orchestrator.client.StoreClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code hawser apiserver}: the REST API on the store, with kube-apiserver's flag names where they exist. */
@Command(name = "apiserver", mixinStandardHelpOptions = true,
        description = "Serve the Kubernetes-style REST API, storing objects in a Hawser (or etcd) cluster.")
public final class ApiServerCommand implements Callable<Integer> {
    @Option(names = "--etcd-servers", split = ",", required = true, paramLabel = "URL",
            description = "Store client URLs, comma-separated (e.g. http://127.0.0.1:2379).")
    List<String> etcdServers;

    @Option(names = "--etcd-prefix", defaultValue = "/registry", description = "Key prefix of every object (default: ${DEFAULT-VALUE}).")
    String etcdPrefix;

    @Option(names = "--bind-address", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bindAddress;

    @Option(names = "--port", defaultValue = "6443", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--token-auth-file", paramLabel = "FILE",
            description = "Bearer tokens, one 'token,user,uid,\"group1,group2\"' line per user; group system:masters may do "
                    + "anything, hawser:view may read.")
    Path tokenAuthFile;

    @Option(names = "--anonymous-admin", description = "Development only: serve without authentication, every caller an administrator.")
    boolean anonymousAdmin;

    @Option(names = "--tls-cert-file", paramLabel = "FILE", description = "Server certificate (PEM); without it the server speaks plain HTTP.")
    Path tlsCertFile;

    @Option(names = "--tls-private-key-file", paramLabel = "FILE", description = "Private key of --tls-cert-file (PEM, PKCS#8).")
    Path tlsKeyFile;

    @Option(names = "--client-ca-file", paramLabel = "FILE",
            description = "CA whose client certificates are accepted: CN is the user, O the groups.")
    Path clientCaFile;

    @Option(names = "--etcd-cafile", paramLabel = "FILE", description = "CA of the store members' certificates (for https:// --etcd-servers).")
    Path etcdCaFile;

    @Option(names = "--etcd-certfile", paramLabel = "FILE", description = "Client certificate for a store with --client-cert-auth.")
    Path etcdCertFile;

    @Option(names = "--etcd-keyfile", paramLabel = "FILE", description = "Private key of --etcd-certfile.")
    Path etcdKeyFile;

    @Option(names = "--encryption-key-file", paramLabel = "FILE",
            description = "Encrypt Secrets at rest with AES-GCM: 'name:base64 key' lines, the first encrypts, all decrypt.")
    Path encryptionKeyFile;

    @Option(names = "--workers", defaultValue = "8", description = "Request handler threads (default: ${DEFAULT-VALUE}).")
    int workers;

    @Override
    public Integer call() throws Exception {
        boolean authConfigured = tokenAuthFile != null || clientCaFile != null;
        if (!authConfigured && !anonymousAdmin) {
            throw new IllegalArgumentException("refusing to serve without authentication: pass --token-auth-file FILE and/or "
                    + "--client-ca-file FILE (or --anonymous-admin for a throw-away development server)");
        }
        if (authConfigured && anonymousAdmin) {
            throw new IllegalArgumentException("--anonymous-admin cannot be combined with --token-auth-file or --client-ca-file");
        }
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            throw new IllegalArgumentException("--tls-cert-file and --tls-private-key-file go together");
        }
        if (clientCaFile != null && tlsCertFile == null) {
            throw new IllegalArgumentException("--client-ca-file needs TLS: pass --tls-cert-file and --tls-private-key-file");
        }
        Authenticator auth = authConfigured
                ? new Authenticator(tokenAuthFile == null ? null : TokenAuthenticator.load(tokenAuthFile), clientCaFile != null)
                : null;
        ServerTls tls = tlsCertFile == null ? null : new ServerTls(tlsCertFile, tlsKeyFile, clientCaFile);
        if ((etcdCertFile == null) != (etcdKeyFile == null)) {
            throw new IllegalArgumentException("--etcd-certfile and --etcd-keyfile go together");
        }
        StoreClient.StoreTls storeTls = etcdCaFile == null ? null : new StoreClient.StoreTls(etcdCaFile, etcdCertFile, etcdKeyFile);
        ApiServer server = new ApiServer(new ApiServer.Config(bindAddress, port, etcdServers, etcdPrefix, auth, tls, workers, storeTls,
                encryptionKeyFile == null ? null : SecretEncryption.load(encryptionKeyFile)));
        server.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "apiserver-shutdown"));
        stopped.await();
        return 0;
    }
}
