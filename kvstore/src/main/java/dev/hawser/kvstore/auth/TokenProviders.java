package dev.hawser.kvstore.auth;

import com.nimbusds.jose.JWSAlgorithm;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Reads etcd's {@code --auth-token} value: {@code simple}, or {@code jwt,pub-key=F,priv-key=F,sign-method=M,ttl=D}. */
public final class TokenProviders {
    private TokenProviders() {
    }

    /**
     * @param simpleTtlSeconds etcd's {@code --auth-token-ttl}, the idle lifetime of simple tokens
     * @param durations parses a ttl such as {@code 5m}
     */
    public static TokenProvider parse(String spec, long simpleTtlSeconds, java.util.function.Function<String, Duration> durations) {
        String[] parts = spec.split(",");
        if (parts[0].equals("simple") && parts.length == 1) {
            return new SimpleTokens(simpleTtlSeconds, System::nanoTime, System::currentTimeMillis);
        }
        if (!parts[0].equals("jwt")) {
            throw new IllegalArgumentException("--auth-token must be 'simple' or 'jwt,pub-key=...,priv-key=...,sign-method=...', got '"
                    + parts[0] + "'");
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--auth-token: expected key=value, got '" + parts[i] + "'");
            }
            opts.put(kv[0].trim(), kv[1].trim());
        }
        for (String required : new String[] {"pub-key", "priv-key", "sign-method"}) {
            if (!opts.containsKey(required)) {
                throw new IllegalArgumentException("--auth-token jwt needs " + required + "=");
            }
        }
        Duration ttl = durations.apply(opts.getOrDefault("ttl", "5m"));
        return new JwtTokens(JWSAlgorithm.parse(opts.get("sign-method")), readPrivateKey(Path.of(opts.get("priv-key"))),
                readPublicKey(Path.of(opts.get("pub-key"))), ttl, System::currentTimeMillis);
    }

    static PrivateKey readPrivateKey(Path file) {
        Object o = readPem(file);
        try {
            JcaPEMKeyConverter c = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return c.getKeyPair(pair).getPrivate();
            }
            if (o instanceof PrivateKeyInfo info) {
                return c.getPrivateKey(info);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--auth-token: cannot use the private key in " + file + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("--auth-token: " + file + " holds no PEM private key");
    }

    static PublicKey readPublicKey(Path file) {
        Object o = readPem(file);
        try {
            if (o instanceof SubjectPublicKeyInfo info) {
                return new JcaPEMKeyConverter().getPublicKey(info);
            }
            if (o instanceof org.bouncycastle.cert.X509CertificateHolder cert) {
                return new JcaPEMKeyConverter().getPublicKey(cert.getSubjectPublicKeyInfo());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--auth-token: cannot use the public key in " + file + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("--auth-token: " + file + " holds no PEM public key");
    }

    private static Object readPem(Path file) {
        try (Reader r = Files.newBufferedReader(file); PEMParser p = new PEMParser(r)) {
            return p.readObject();
        } catch (IOException e) {
            throw new IllegalArgumentException("--auth-token: cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
