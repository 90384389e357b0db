package dev.hawser.kvstore.snapshot;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The snapshot file: a RocksDB checkpoint packed into one file, padded to a multiple of
 * 512 bytes and followed by the SHA-256 of everything before it. That trailer is what
 * {@code etcdctl snapshot save} checks, so etcdctl can take Hawser backups unchanged.
 *
 * <pre>
 *   magic "HAWSNAP1" | int fileCount | fileCount x (UTF name, long size, bytes) | zero padding | sha256
 * </pre>
 */
public final class SnapshotFile {
    static final byte[] MAGIC = "HAWSNAP1".getBytes(StandardCharsets.US_ASCII);
    public static final int BLOCK = 512;
    public static final int SHA_BYTES = 32;

    private SnapshotFile() {
    }

    /** Packs a checkpoint directory, without the trailer: the bytes a Snapshot stream sends before its hash. */
    public static void writeBody(Path checkpointDir, Path out) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(checkpointDir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        long written;
        try (CountingOutputStream counting = new CountingOutputStream(Files.newOutputStream(out));
             DataOutputStream data = new DataOutputStream(new BufferedOutputStream(counting, 1 << 16))) {
            data.write(MAGIC);
            data.writeInt(files.size());
            for (Path f : files) {
                data.writeUTF(f.getFileName().toString());
                data.writeLong(Files.size(f));
                Files.copy(f, data);
            }
            data.flush();
            written = counting.count;
            int pad = (int) ((BLOCK - written % BLOCK) % BLOCK);
            data.write(new byte[pad]);
        }
    }

    /** Writes a complete snapshot file (body and trailer) from a checkpoint directory. */
    public static void write(Path checkpointDir, Path out) throws IOException {
        writeBody(checkpointDir, out);
        byte[] sha = sha256(out, Files.size(out));
        Files.write(out, sha, java.nio.file.StandardOpenOption.APPEND);
    }

    /**
     * Checks the trailer and unpacks the checkpoint into {@code targetDir} (which must not
     * exist). A truncated or corrupt file is refused before anything is written.
     */
    public static void extract(Path file, Path targetDir) throws IOException {
        verify(file);
        long bodySize = Files.size(file) - SHA_BYTES;
        Files.createDirectories(targetDir);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new SnapshotException("not a Hawser snapshot (an etcd bbolt snapshot cannot be restored into Hawser)");
            }
            int count = in.readInt();
            long consumed = MAGIC.length + 4;
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                    throw new SnapshotException("snapshot contains an invalid file name: " + name);
                }
                long size = in.readLong();
                consumed += 2 + name.getBytes(StandardCharsets.UTF_8).length + 8 + size;
                if (size < 0 || consumed > bodySize) {
                    throw new SnapshotException("snapshot is corrupt: file " + name + " runs past the end");
                }
                try (OutputStream os = Files.newOutputStream(targetDir.resolve(name))) {
                    copy(in, os, size);
                }
            }
        }
    }

    /** Fails unless the size is right and the trailing SHA-256 matches the content. */
    public static void verify(Path file) throws IOException {
        long size = Files.size(file);
        if (size < BLOCK + SHA_BYTES || size % BLOCK != SHA_BYTES) {
            throw new SnapshotException("snapshot file " + file + " is truncated or not a snapshot (size " + size + ")");
        }
        byte[] expected = sha256(file, size - SHA_BYTES);
        byte[] actual;
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(size - SHA_BYTES);
            actual = in.readNBytes(SHA_BYTES);
        }
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new SnapshotException("snapshot file " + file + " is corrupt: SHA-256 mismatch");
        }
    }

    static byte[] sha256(Path file, long length) throws IOException {
        MessageDigest md = newSha256();
        try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), md)) {
            copy(in, OutputStream.nullOutputStream(), length);
        }
        return md.digest();
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new SnapshotException("snapshot is truncated");
            }
            out.write(buf, 0, r);
            left -= r;
        }
    }

    private static final class CountingOutputStream extends java.io.FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
