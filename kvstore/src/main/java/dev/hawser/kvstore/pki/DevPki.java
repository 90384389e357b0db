package dev.hawser.kvstore.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * A development certificate authority: one self-signed CA and the server and client certificates a
 * local cluster needs (ECDSA P-256, PEM, private keys readable by the owner only). For production,
 * bring certificates from your own PKI; every TLS flag takes plain PEM files.
 */
public final class DevPki {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration LEAF_VALIDITY = Duration.ofDays(825);

    private final KeyPair caKeys;
    private final X509Certificate ca;

    private DevPki(KeyPair caKeys, X509Certificate ca) {
        this.caKeys = caKeys;
        this.ca = ca;
    }

    public static DevPki create(String caName) {
        try {
            KeyPair keys = newKeys();
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, caName).build();
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(300)),
                    Date.from(now.plus(CA_VALIDITY)), name, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new DevPki(keys, sign(b, keys));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create a CA: " + e.getMessage(), e);
        }
    }

    /** A certificate for a server reachable at {@code hosts} (DNS names or IP addresses), also usable as a client (peers). */
    public Issued server(String commonName, List<String> hosts) {
        return issue(commonName, List.of(), hosts, true);
    }

    /** A client certificate: CN is the user name, O entries are its groups (as Kubernetes and etcd read them). */
    public Issued client(String user, List<String> groups) {
        return issue(user, groups, List.of(), false);
    }

    private Issued issue(String cn, List<String> orgs, List<String> hosts, boolean server) {
        try {
            KeyPair keys = newKeys();
            X500NameBuilder nb = new X500NameBuilder(BCStyle.INSTANCE);
            for (String o : orgs) {
                nb.addRDN(BCStyle.O, o);
            }
            nb.addRDN(BCStyle.CN, cn);
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(), Date.from(now.minusSeconds(300)),
                    Date.from(now.plus(LEAF_VALIDITY)), nb.build(), keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, server
                    ? new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
                    : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
            if (!hosts.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String h : hosts) {
                    names.add(isIp(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            return new Issued(pem(sign(b, caKeys)), pem(keys.getPrivate()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + cn + ": " + e.getMessage(), e);
        }
    }

    public String caPem() {
        return pem(ca);
    }

    /** Writes {@code ca.crt} into {@code dir}. */
    public Path writeCa(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve("ca.crt");
        Files.writeString(f, caPem(), StandardCharsets.UTF_8);
        return f;
    }

    /** A certificate and its private key, as PEM. */
    public record Issued(String certPem, String keyPem) {
        /** Writes {@code <name>.crt} and {@code <name>.key} (mode 600) into {@code dir}. */
        public void write(Path dir, String name) throws IOException {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".crt"), certPem, StandardCharsets.UTF_8);
            Path key = dir.resolve(name + ".key");
            Files.deleteIfExists(key);
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(key, keyPem, StandardCharsets.UTF_8);
        }
    }

    private static boolean isIp(String h) {
        return h.matches("[0-9.]+") || h.contains(":");
    }

    private static KeyPair newKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws GeneralSecurityException {
        try {
            X509CertificateHolder h = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()));
            return new JcaX509CertificateConverter().getCertificate(h);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o instanceof java.security.PrivateKey k ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

}
