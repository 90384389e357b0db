package dev.hawser.kvstore.raft;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.TreeSet;

/**
 * etcd identifies members and clusters by 64-bit IDs. Hawser derives them from the
 * cluster token and member names, so every member computes the same IDs on its own
 * and they survive restarts.
 */
public final class MemberIds {
    private MemberIds() {
    }

    public static long memberId(String clusterToken, String name) {
        return hash("member/" + clusterToken + "/" + name);
    }

    public static long clusterId(String clusterToken, Collection<String> names) {
        return hash("cluster/" + clusterToken + "/" + String.join(",", new TreeSet<>(names)));
    }

    private static long hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            long id = ByteBuffer.wrap(d).getLong();
            return id == 0 ? 1 : id; // 0 means "no member" in etcd's API
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
