package dev.hawser.kvstore.raft;

import dev.hawser.kvstore.storage.Dirs;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Raft snapshots as RocksDB checkpoints: one directory {@code sm/snapshot.<term>_<index>}
 * per snapshot, holding only checkpoint files. Ratis replaces {@code sm/} wholesale when a
 * follower installs a snapshot, which is why the live database lives elsewhere.
 */
final class CheckpointStorage implements StateMachineStorage {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStorage.class);
    private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
    /** Ratis writes an md5 beside every file it installs; they are not part of the checkpoint. */
    static final String MD5_SUFFIX = ".md5";

    private volatile File smDir;
    private volatile SnapshotInfo latest;

    @Override
    public void init(RaftStorage storage) throws IOException {
        smDir = storage.getStorageDir().getStateMachineDir();
        Files.createDirectories(smDir.toPath());
        refresh();
    }

    /** Rescans the snapshot directory; called after taking or installing a snapshot. */
    void refresh() throws IOException {
        latest = newest().map(this::describe).orElse(null);
    }

    Path dirFor(TermIndex ti) {
        return smDir.toPath().resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex());
    }

    Path tmpDirFor(TermIndex ti) {
        return smDir.toPath().resolve(".tmp-snapshot." + ti.getTerm() + "_" + ti.getIndex());
    }

    /** The directory of the newest snapshot, if any. */
    java.util.Optional<Path> newest() throws IOException {
        return snapshots().stream().max(Comparator.comparing(CheckpointStorage::termIndexOf)).map(p -> p);
    }

    static TermIndex termIndexOf(Path dir) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a snapshot directory: " + dir);
        }
        return TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }

    private List<Path> snapshots() throws IOException {
        List<Path> out = new ArrayList<>();
        if (smDir == null || !smDir.isDirectory()) {
            return out;
        }
        try (Stream<Path> s = Files.list(smDir.toPath())) {
            s.filter(p -> Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches()).forEach(out::add);
        }
        return out;
    }

    private SnapshotInfo describe(Path dir) {
        List<FileInfo> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(MD5_SUFFIX))
                    .sorted()
                    .forEach(p -> files.add(new FileInfo(p.toAbsolutePath(), null)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FileListSnapshotInfo(files, termIndexOf(dir));
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return latest;
    }

    @Override
    public void format() throws IOException {
        // Nothing to prepare: snapshot directories are created on demand.
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        int keep = Math.max(policy.getNumSnapshotsRetained(), 2);
        List<Path> all = snapshots();
        all.sort(Comparator.comparing(CheckpointStorage::termIndexOf).reversed());
        for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
            LOG.info("removing old snapshot {}", old);
            Dirs.deleteRecursively(old);
        }
    }
}
