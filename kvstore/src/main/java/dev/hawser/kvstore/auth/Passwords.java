package dev.hawser.kvstore.auth;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.security.SecureRandom;

/**
 * bcrypt, as etcd uses (its {@code --bcrypt-cost}, default 10): slow on purpose, so a stolen auth column family does
 * not give the passwords away cheaply. Hashing happens on the member that takes the request, before it is proposed,
 * so the Raft log only ever holds the hash.
 */
public final class Passwords {
    public static final int DEFAULT_COST = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int cost;

    public Passwords(int cost) {
        if (cost < 4 || cost > 31) {
            throw new IllegalArgumentException("--bcrypt-cost must be between 4 and 31, got " + cost);
        }
        this.cost = cost;
    }

    public String hash(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2a", password.toCharArray(), salt, cost);
    }

    /** Constant-time as far as bcrypt allows; a malformed stored hash never matches. */
    public static boolean matches(String storedHash, String password) {
        try {
            return !storedHash.isEmpty() && OpenBSDBCrypt.checkPassword(storedHash, password.toCharArray());
        } catch (IllegalArgumentException | org.bouncycastle.crypto.DataLengthException e) {
            return false;
        }
    }

    /** An etcd 3.5 client may send a hash instead of a password; accept only a well-formed bcrypt one. */
    public static boolean isBcrypt(String hash) {
        return hash.matches("\\$2[aby]?\\$\\d\\d\\$[./A-Za-z0-9]{53}");
    }
}
