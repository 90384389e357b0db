package dev.hawser.kvstore.snapshot;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.HashResult;
import dev.hawser.kvstore.mvcc.KvStore;
import dev.hawser.kvstore.mvcc.MvccException;
import dev.hawser.kvstore.mvcc.RangeOptions;
import dev.hawser.kvstore.mvcc.TxnRead;
import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.Dirs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a snapshot holds, read by opening it as a store: the revision, the compaction
 * revision, the number of live keys, and the HashKV that the cluster reported for the
 * same revision (so a restore can be checked against the original).
 */
public record SnapshotStatus(long revision, long compactRevision, long totalKeys, int hash, long sizeBytes) {
    private static final ByteString ALL = ByteString.copyFrom(new byte[] {0});

    public static SnapshotStatus of(Path file) throws IOException {
        Path tmp = Files.createTempDirectory("hawser-snapshot-status");
        try {
            Path db = tmp.resolve("db");
            SnapshotFile.extract(file, db);
            try (Backend backend = Backend.open(db); KvStore kv = KvStore.open(backend); TxnRead r = kv.read()) {
                long keys = r.range(ALL, ALL, new RangeOptions(0, 0, true)).count();
                HashResult h = kv.hash(0);
                return new SnapshotStatus(kv.rev(), kv.compactRev(), keys, h.hash(), Files.size(file));
            } catch (MvccException e) {
                throw new SnapshotException("snapshot content is unreadable: " + e.getMessage());
            }
        } finally {
            Dirs.deleteRecursively(tmp);
        }
    }
}
