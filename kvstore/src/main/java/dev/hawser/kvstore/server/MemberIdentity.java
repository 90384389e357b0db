package dev.hawser.kvstore.server;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * Who this member is, kept in {@code member/identity} from its first start on: its member
 * ID and its cluster's ID. Both are fixed at creation, while names and URLs may change.
 */
record MemberIdentity(long memberId, long clusterId) {
    private static final String FILE = "identity";

    static MemberIdentity load(Path memberDir) throws IOException {
        Path f = memberDir.resolve(FILE);
        if (!Files.exists(f)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
        }
        return new MemberIdentity(Long.parseUnsignedLong(p.getProperty("member_id"), 16),
                Long.parseUnsignedLong(p.getProperty("cluster_id"), 16));
    }

    void save(Path memberDir) throws IOException {
        Files.createDirectories(memberDir);
        Properties p = new Properties();
        p.setProperty("member_id", Long.toHexString(memberId));
        p.setProperty("cluster_id", Long.toHexString(clusterId));
        Path tmp = memberDir.resolve(FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "Hawser member identity: do not edit");
        }
        Files.move(tmp, memberDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
