package dev.hawser.kvstore.raft;

import org.apache.ratis.protocol.RaftPeerId;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.TreeSet;

/**
 * etcd identifies members and clusters by 64-bit IDs. A member's ID is derived from the
 * peer URL it was created with, so {@code member add} and the member itself compute the
 * same ID without talking; the member keeps it when its URLs change later. Raft knows
 * each member by its ID in hex.
 */
public final class MemberIds {
    private MemberIds() {
    }

    public static long memberId(String peerUrl) {
        return hash("member/" + peerUrl);
    }

    public static long clusterId(String clusterToken, Collection<Long> memberIds) {
        TreeSet<String> ids = new TreeSet<>();
        memberIds.forEach(id -> ids.add(Long.toHexString(id)));
        return hash("cluster/" + clusterToken + "/" + String.join(",", ids));
    }

    public static RaftPeerId peerId(long memberId) {
        return RaftPeerId.valueOf(Long.toHexString(memberId));
    }

    public static long memberId(RaftPeerId peer) {
        return Long.parseUnsignedLong(peer.toString(), 16);
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
