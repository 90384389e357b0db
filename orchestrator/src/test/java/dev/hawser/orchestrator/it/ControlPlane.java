package dev.hawser.orchestrator.it;

import dev.hawser.jepsen.cluster.Cluster;
import dev.hawser.jepsen.cluster.Member;
import dev.hawser.kvstore.pki.DevPki;
import dev.hawser.orchestrator.apiserver.ApiServer;
import dev.hawser.orchestrator.apiserver.Authenticator;
import dev.hawser.orchestrator.apiserver.ServerTls;
import dev.hawser.orchestrator.apiserver.TokenAuthenticator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real store cluster (separate processes, RocksDB, fsync) plus API servers in this JVM on free
 * loopback ports, each with a token file holding an admin and a read-only user.
 */
final class ControlPlane implements AutoCloseable {
    static final String ADMIN_TOKEN = "admin-token-0123456789";
    static final String VIEWER_TOKEN = "viewer-token-0123456789";

    final Cluster store;
    final Path dir;
    private final List<ApiServer> apiServers = new ArrayList<>();
    private final Path tokens;

    private final Path pki;

    private ControlPlane(Cluster store, Path dir, Path tokens, Path pki) {
        this.store = store;
        this.dir = dir;
        this.tokens = tokens;
        this.pki = pki;
    }

    /** The store, a token file (admin + viewer), and a development CA with a server and a client certificate. */
    static ControlPlane start(int storeMembers, Path dir) throws IOException {
        Cluster c = Cluster.start(storeMembers, dir.resolve("store"), List.of());
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, ADMIN_TOKEN + ",admin,1,\"system:masters\"\n" + VIEWER_TOKEN + ",viewer,2,\"hawser:view\"\n");
        Path pki = dir.resolve("pki");
        DevPki ca = DevPki.create("hawser-test-ca");
        ca.writeCa(pki);
        ca.server("apiserver", List.of("127.0.0.1", "localhost")).write(pki, "apiserver");
        ca.client("alice", List.of("system:masters")).write(pki, "alice");
        ca.client("bob", List.of("hawser:view")).write(pki, "bob");
        Files.writeString(pki.resolve("encryption.key"), "key1:" + java.util.Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        return new ControlPlane(c, dir, tokens, pki);
    }

    List<String> storeEndpoints() {
        return store.members().stream().map(m -> "http://127.0.0.1:" + m.clientPort()).toList();
    }

    /** Starts another API server on the same store; returns its URL. */
    String startApiServer() throws IOException, InterruptedException {
        ApiServer s = new ApiServer(new ApiServer.Config("127.0.0.1", 0, storeEndpoints(), "/registry",
                new Authenticator(TokenAuthenticator.load(tokens), true),
                new ServerTls(pki.resolve("apiserver.crt"), pki.resolve("apiserver.key"), pki.resolve("ca.crt")), 4, null,
                dev.hawser.orchestrator.apiserver.SecretEncryption.load(pki.resolve("encryption.key"))));
        s.start();
        apiServers.add(s);
        return "https://127.0.0.1:" + s.port();
    }

    Path pki() {
        return pki;
    }

    /** A REST client for components, authenticating as the admin. */
    dev.hawser.orchestrator.client.ApiClient apiClient(String server) throws IOException {
        try (var in = Files.newInputStream(pki.resolve("ca.crt"))) {
            return new dev.hawser.orchestrator.client.ApiClient(java.net.URI.create(server), ADMIN_TOKEN,
                    dev.hawser.orchestrator.client.KubeConfig.trusting(in));
        }
    }

    /** kubectl authenticating with {@code token} (null: no credentials). */
    Kubectl kubectl(String server, String token, String name) throws IOException {
        return kubectlWithUser(server, token == null ? "{}" : "\n    token: " + token, name);
    }

    /** kubectl authenticating with the client certificate {@code pki/<cert>.crt}. */
    Kubectl kubectlWithCertificate(String server, String cert, String name) throws IOException {
        return kubectlWithUser(server, "\n    client-certificate: " + pki.resolve(cert + ".crt")
                + "\n    client-key: " + pki.resolve(cert + ".key"), name);
    }

    private Kubectl kubectlWithUser(String server, String user, String name) throws IOException {
        Path config = Kubectl.writeConfig(dir.resolve("kube"), name, server, pki.resolve("ca.crt"), user);
        Path home = dir.resolve("home-" + name);
        Files.createDirectories(home);
        return new Kubectl(config, home);
    }

    Member storeMember(int i) {
        return store.members().get(i);
    }

    @Override
    public void close() {
        apiServers.forEach(ApiServer::close);
        store.close();
    }
}
