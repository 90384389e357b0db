package dev.hawser.kvstore.snapshot;

import dev.hawser.kvstore.mvcc.KvStore;
import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.Dirs;
import dev.hawser.kvstore.storage.MetaKeys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds one member's data directory for a brand-new cluster from a snapshot, as
 * {@code etcdctl snapshot restore} does. The new cluster starts a fresh Raft log, so the
 * restored database forgets which log entries it had applied and who the old members were.
 *
 * <p>{@code bumpRevision} with {@code markCompacted} (etcdutl's flags) moves the revision
 * past anything the old cluster could have handed out and compacts up to it, so watchers
 * of the old cluster get "compacted" and re-list instead of silently missing changes.
 */
public final class SnapshotRestore {
    private SnapshotRestore() {
    }

    /** Options of one member's restore. */
    public record Options(Path snapshot, Path dataDir, long bumpRevision, boolean markCompacted, boolean force) {
    }

    public static SnapshotStatus restore(Options o) throws IOException {
        if (o.bumpRevision() < 0) {
            throw new IllegalArgumentException("--bump-revision must not be negative");
        }
        if (o.bumpRevision() > 0 && !o.markCompacted()) {
            throw new IllegalArgumentException("--bump-revision requires --mark-compacted (watchers of the old cluster must re-list)");
        }
        if (Files.exists(o.dataDir()) && !isEmpty(o.dataDir())) {
            if (!o.force()) {
                throw new IllegalArgumentException("data-dir " + o.dataDir() + " exists and is not empty; refusing to overwrite it (use --force to replace it)");
            }
            Dirs.deleteRecursively(o.dataDir());
        }
        SnapshotFile.verify(o.snapshot());
        Path live = o.dataDir().resolve("member").resolve("kv");
        SnapshotFile.extract(o.snapshot(), live);
        try (Backend backend = Backend.open(live)) {
            long rev;
            try (KvStore kv = KvStore.open(backend)) {
                rev = kv.rev();
            }
            try (BatchTx batch = backend.newBatch()) {
                MetaKeys.CONSISTENT_INDEX.writeLong(batch, 0);
                MetaKeys.CONSISTENT_TERM.writeLong(batch, 0);
                for (byte[] member : keys(backend, Cf.MEMBERS)) {
                    batch.delete(Cf.MEMBERS, member);
                }
                if (o.markCompacted()) {
                    // KvStore finishes a scheduled compaction when it opens, which also moves the revision up to it.
                    MetaKeys.SCHEDULED_COMPACT_REV.writeLong(batch, rev + o.bumpRevision());
                }
                backend.commit(batch);
            }
            try (KvStore kv = KvStore.open(backend)) {
                // opening completes the compaction; nothing else to do
                kv.rev();
            }
        }
        return SnapshotStatus.of(o.snapshot());
    }

    private static List<byte[]> keys(Backend backend, Cf cf) {
        List<byte[]> out = new ArrayList<>();
        backend.scanKeys(cf, null, null, k -> {
            out.add(k);
            return true;
        });
        return out;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
