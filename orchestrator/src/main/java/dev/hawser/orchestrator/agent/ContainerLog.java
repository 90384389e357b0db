package dev.hawser.orchestrator.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The log file of one container instance, in the CRI format the kubelet uses: one record per line,
 * {@code <RFC 3339 time> <stdout|stderr> <F|P> <text>}, P marking a piece of a line longer than
 * {@link #MAX_LINE}. Writing stamps each line as it arrives, which is what {@code --timestamps} and
 * {@code --since} need. When the file passes its size cap it becomes {@code <name>.1} (replacing the
 * older one) and a fresh file starts, so an instance keeps at most twice the cap on disk.
 */
final class ContainerLog {
    static final int MAX_LINE = 16 << 10;

    private final Path file;
    private final long maxBytes;
    private final Clock clock;
    private OutputStream out;
    private long size;
    private int openStreams;
    private volatile boolean closed;

    ContainerLog(Path file, long maxBytes, Clock clock, int streams) throws IOException {
        this.file = file;
        this.maxBytes = maxBytes;
        this.clock = clock;
        this.openStreams = streams;
        Files.createDirectories(file.getParent());
        this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    /** The files of this instance, oldest first. */
    static List<Path> files(Path file) {
        Path rotated = rotated(file);
        return Files.exists(rotated) ? List.of(rotated, file) : List.of(file);
    }

    static Path rotated(Path file) {
        return file.resolveSibling(file.getFileName() + ".1");
    }

    Path file() {
        return file;
    }

    /** True once every stream has ended: nothing more will be written. */
    boolean isClosed() {
        return closed;
    }

    /** Copies {@code in} (a process's stdout or stderr) into the log line by line until it ends. */
    void pump(InputStream in, String stream) {
        byte[] line = new byte[MAX_LINE];
        int len = 0;
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        append(stream, line, len, false);
                        len = 0;
                    } else {
                        line[len++] = buf[i];
                        if (len == MAX_LINE) {
                            append(stream, line, len, true);
                            len = 0;
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone; whatever it wrote so far is kept
        } finally {
            if (len > 0) {
                append(stream, line, len, false);
            }
            streamEnded();
        }
    }

    synchronized void append(String stream, byte[] text, int len, boolean partial) {
        if (out == null) {
            return;
        }
        byte[] head = (DateTimeFormatter.ISO_INSTANT.format(clock.instant()) + " " + stream + (partial ? " P " : " F "))
                .getBytes(StandardCharsets.UTF_8);
        try {
            out.write(head);
            out.write(text, 0, len);
            out.write('\n');
            out.flush();
            size += head.length + len + 1;
            if (size >= maxBytes) {
                rotate();
            }
        } catch (IOException e) {
            // a full or vanished disk must not stop the container; the lines are lost
        }
    }

    private void rotate() throws IOException {
        out.close();
        Files.move(file, rotated(file), StandardCopyOption.REPLACE_EXISTING);
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        size = 0;
    }

    private synchronized void streamEnded() {
        if (--openStreams > 0) {
            return;
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing more to write anyway
        }
        out = null;
        closed = true;
    }
}
