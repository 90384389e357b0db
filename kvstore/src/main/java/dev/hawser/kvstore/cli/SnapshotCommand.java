package dev.hawser.kvstore.cli;

import com.github.freva.asciitable.AsciiTable;
import dev.hawser.kvstore.snapshot.SnapshotFile;
import dev.hawser.kvstore.snapshot.SnapshotRestore;
import dev.hawser.kvstore.snapshot.SnapshotStatus;
import dev.hawser.kvstore.server.StoreConfig;
import dev.hawser.proto.etcdserverpb.MaintenanceGrpc;
import dev.hawser.proto.etcdserverpb.SnapshotRequest;
import dev.hawser.proto.etcdserverpb.SnapshotResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code hawser snapshot}: backups for disaster recovery, with etcdctl's verbs and flags. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Save, inspect and restore snapshots (backups) of a cluster.",
        subcommands = {SnapshotCommand.Save.class, SnapshotCommand.Status.class, SnapshotCommand.Restore.class})
final class SnapshotCommand {

    static String table(SnapshotStatus s) {
        return AsciiTable.getTable(new String[] {"HASH", "REVISION", "COMPACT REVISION", "TOTAL KEYS", "TOTAL SIZE"},
                new Object[][] {{String.format("%08x", s.hash()), s.revision(), s.compactRevision(), s.totalKeys(),
                        humanBytes(s.sizeBytes())}});
    }

    static String humanBytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        int exp = (int) (Math.log(b) / Math.log(1024));
        return String.format("%.1f %siB", b / Math.pow(1024, exp), "KMGTPE".charAt(exp - 1));
    }

    @Command(name = "save", mixinStandardHelpOptions = true,
            description = "Stream a snapshot from one member to a file (like etcdctl snapshot save).")
    static final class Save implements Callable<Integer> {
        @Parameters(index = "0", description = "File to write.")
        Path file;

        @Option(names = "--endpoints", defaultValue = "127.0.0.1:2379",
                description = "The one member to take the snapshot from (host:port or URL).")
        String endpoint;

        @Option(names = "--command-timeout", defaultValue = "5m", description = "Give up after this long.")
        String timeout;

        @Override
        public Integer call() throws Exception {
            if (endpoint.contains(",")) {
                throw new IllegalArgumentException("snapshot save takes exactly one endpoint, got " + endpoint);
            }
            String target = endpoint.contains("://") ? URI.create(endpoint).getAuthority() : endpoint;
            Path part = file.resolveSibling(file.getFileName() + ".part");
            ManagedChannel ch = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
            try (OutputStream os = Files.newOutputStream(part)) {
                Iterator<SnapshotResponse> it = MaintenanceGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(Durations.parseMillis("--command-timeout", timeout), TimeUnit.MILLISECONDS)
                        .snapshot(SnapshotRequest.getDefaultInstance());
                while (it.hasNext()) {
                    os.write(it.next().getBlob().toByteArray());
                }
            } finally {
                ch.shutdownNow();
            }
            try (FileChannel fc = FileChannel.open(part, StandardOpenOption.WRITE)) {
                fc.force(true);
            }
            SnapshotFile.verify(part);
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            System.out.println("Snapshot saved at " + file);
            System.out.print(table(SnapshotStatus.of(file)));
            System.out.println();
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Check a snapshot file and print its revision, key count, hash and size.")
    static final class Status implements Callable<Integer> {
        @Parameters(index = "0", description = "Snapshot file.")
        Path file;

        @Option(names = {"-w", "--write-out"}, defaultValue = "table", description = "table or json.")
        String format;

        @Override
        public Integer call() throws Exception {
            SnapshotStatus s = SnapshotStatus.of(file);
            if ("json".equals(format)) {
                System.out.printf("{\"hash\":%d,\"revision\":%d,\"compactRevision\":%d,\"totalKey\":%d,\"totalSize\":%d}%n",
                        Integer.toUnsignedLong(s.hash()), s.revision(), s.compactRevision(), s.totalKeys(), s.sizeBytes());
            } else {
                System.out.println(table(s));
            }
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Build one member's data directory for a NEW cluster from a snapshot (like etcdctl snapshot restore). "
                    + "Run it once per member with that member's --name, then start the members with the same --initial-cluster.")
    static final class Restore implements Callable<Integer> {
        @Parameters(index = "0", description = "Snapshot file.")
        Path file;

        @Option(names = "--name", defaultValue = "default", description = "This member's name.")
        String name;

        @Option(names = "--data-dir", description = "Data directory to create (default: ${name}.hawser).")
        Path dataDir;

        @Option(names = "--initial-cluster", description = "The new cluster, e.g. n1=http://10.0.0.1:2380,... (default: this member alone).")
        String initialCluster;

        @Option(names = "--initial-cluster-token", defaultValue = "etcd-cluster", description = "Token of the new cluster.")
        String initialClusterToken;

        @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://localhost:2380",
                description = "This member's peer URLs.")
        String advertisePeerUrls;

        @Option(names = "--skip-hash-check", description = "Accepted for etcdctl compatibility; Hawser snapshots are always checked.")
        boolean skipHashCheck;

        @Option(names = "--bump-revision", defaultValue = "0",
                description = "Add this much to the revision, so clients never see a revision twice (needs --mark-compacted).")
        long bumpRevision;

        @Option(names = "--mark-compacted", description = "Compact at the (bumped) revision, so old watchers must re-list.")
        boolean markCompacted;

        @Option(names = "--force", description = "Replace an existing, non-empty data directory.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            String cluster = initialCluster != null ? initialCluster
                    : name + "=" + StoreConfig.parseUrls("--initial-advertise-peer-urls", advertisePeerUrls).get(0);
            if (!StoreConfig.parseInitialCluster(cluster).containsKey(name)) {
                throw new IllegalArgumentException("--initial-cluster has no entry for --name " + name);
            }
            Path dir = dataDir != null ? dataDir : Path.of(name + ".hawser");
            SnapshotStatus s = SnapshotRestore.restore(new SnapshotRestore.Options(file, dir, bumpRevision, markCompacted, force));
            System.out.println("Restored member " + name + " of cluster '" + initialClusterToken + "' into " + dir);
            System.out.println(table(s));
            System.out.println("Start it with: hawser store --name " + name + " --data-dir " + dir
                    + " --initial-cluster " + cluster + " --initial-cluster-token " + initialClusterToken + " ...");
            return 0;
        }
    }
}
