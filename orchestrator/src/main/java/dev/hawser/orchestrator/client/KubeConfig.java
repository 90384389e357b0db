package dev.hawser.orchestrator.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Base64;

/**
 * Reads the kubeconfig a component is started with (the same file format kubectl uses): server URL,
 * certificate authority and bearer token of the current context.
 */
public final class KubeConfig {
    private KubeConfig() {
    }

    public static ApiClient load(Path file) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        String contextName = root.path("current-context").asText("");
        JsonNode context = named(root.path("contexts"), contextName).path("context");
        JsonNode cluster = named(root.path("clusters"), context.path("cluster").asText()).path("cluster");
        JsonNode user = named(root.path("users"), context.path("user").asText()).path("user");
        String server = cluster.path("server").asText("");
        if (server.isEmpty()) {
            throw new IOException(file + ": no server for context \"" + contextName + "\"");
        }
        SSLContext ssl = null;
        if (cluster.hasNonNull("certificate-authority-data")) {
            ssl = trusting(new ByteArrayInputStream(Base64.getDecoder().decode(cluster.get("certificate-authority-data").asText())));
        } else if (cluster.hasNonNull("certificate-authority")) {
            Path ca = file.resolveSibling(cluster.get("certificate-authority").asText());
            try (InputStream in = Files.newInputStream(ca)) {
                ssl = trusting(in);
            }
        }
        String token = user.hasNonNull("token") ? user.get("token").asText() : null;
        if (token == null && user.hasNonNull("tokenFile")) {
            token = Files.readString(file.resolveSibling(user.get("tokenFile").asText())).trim();
        }
        return new ApiClient(URI.create(server), token, ssl);
    }

    private static JsonNode named(JsonNode list, String name) {
        for (JsonNode n : list) {
            if (name.equals(n.path("name").asText())) {
                return n;
            }
        }
        return list.path(0);
    }

    public static SSLContext trusting(InputStream caPem) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(caPem)) {
                ks.setCertificateEntry("ca" + i++, cert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the certificate authority: " + e.getMessage(), e);
        }
    }
}
