package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encryption at rest for Secrets (kube-apiserver's aesgcm provider, in spirit): values are stored as
 * {@code k8s:enc:aesgcm:v1:<key name>:<12-byte nonce><ciphertext+tag>}. The key file holds
 * {@code name:base64(32 bytes)} lines; the first key encrypts, all of them decrypt, so keys can be
 * rotated. Values written before encryption was turned on stay readable; each write re-encrypts.
 */
public final class SecretEncryption {
    private static final byte[] PREFIX = "k8s:enc:aesgcm:v1:".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String writeKey;
    private final Map<String, SecretKeySpec> keys;

    private SecretEncryption(String writeKey, Map<String, SecretKeySpec> keys) {
        this.writeKey = writeKey;
        this.keys = keys;
    }

    public static SecretEncryption load(Path keyFile) throws IOException {
        Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(keyFile, StandardCharsets.UTF_8)) {
            line = line.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            byte[] key;
            try {
                key = colon > 0 ? Base64.getDecoder().decode(line.substring(colon + 1).trim()) : new byte[0];
            } catch (IllegalArgumentException e) {
                key = new byte[0];
            }
            if (colon <= 0 || (key.length != 16 && key.length != 24 && key.length != 32)) {
                throw new IOException(keyFile + ": expected lines 'name:base64 of a 16, 24 or 32 byte key'");
            }
            keys.put(line.substring(0, colon).trim(), new SecretKeySpec(key, "AES"));
        }
        if (keys.isEmpty()) {
            throw new IOException(keyFile + " holds no key");
        }
        return new SecretEncryption(keys.keySet().iterator().next(), keys);
    }

    byte[] seal(byte[] plain) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, keys.get(writeKey), new GCMParameterSpec(128, nonce));
            byte[] sealed = c.doFinal(plain);
            byte[] name = (writeKey + ":").getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[PREFIX.length + name.length + nonce.length + sealed.length];
            System.arraycopy(PREFIX, 0, out, 0, PREFIX.length);
            System.arraycopy(name, 0, out, PREFIX.length, name.length);
            System.arraycopy(nonce, 0, out, PREFIX.length + name.length, nonce.length);
            System.arraycopy(sealed, 0, out, PREFIX.length + name.length + nonce.length, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt a secret", e);
        }
    }

    static boolean isSealed(byte[] stored) {
        return stored.length > PREFIX.length && Arrays.equals(stored, 0, PREFIX.length, PREFIX, 0, PREFIX.length);
    }

    /** Decrypts a sealed value; {@code encryption} may be null when none is configured (then sealed values fail). */
    static byte[] open(SecretEncryption encryption, byte[] stored) {
        if (!isSealed(stored)) {
            return stored;
        }
        int colon = PREFIX.length;
        while (colon < stored.length && stored[colon] != ':') {
            colon++;
        }
        String name = new String(stored, PREFIX.length, colon - PREFIX.length, StandardCharsets.UTF_8);
        SecretKeySpec key = encryption == null ? null : encryption.keys.get(name);
        if (key == null) {
            throw new ApiException(500, "InternalError", "a secret is encrypted with key \"" + name
                    + "\", which this API server does not have (--encryption-key-file)");
        }
        try {
            int nonceAt = colon + 1;
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, stored, nonceAt, 12));
            return c.doFinal(stored, nonceAt + 12, stored.length - nonceAt - 12);
        } catch (GeneralSecurityException e) {
            throw new ApiException(500, "InternalError", "a stored secret failed to decrypt with key \"" + name + "\"");
        }
    }
}
