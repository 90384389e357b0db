package dev.hawser.orchestrator.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;

/**
 * Reads a {@link ContainerLog} back as {@code kubectl logs} shows it: the text of each record (with its
 * time in front for timestamps), only records since a time, only the last N lines, at most N bytes,
 * and with follow, new records as they are written (across a rotation) until the writer has closed.
 */
final class LogReader {
    private static final long FOLLOW_POLL_MILLIS = 100;

    private final LogOptions options;
    private final OutputStream out;
    private long written;

    private LogReader(LogOptions options, OutputStream out) {
        this.options = options;
        this.out = out;
    }

    /**
     * Copies the log at {@code file} (plus its rotated predecessor) to {@code out}; with follow, keeps
     * going while {@code writing} says more may come. Returns when done or when the limit is reached.
     */
    static void copy(Path file, LogOptions options, BooleanSupplier writing, OutputStream out) throws IOException {
        new LogReader(options, out).run(file, writing);
    }

    private void run(Path file, BooleanSupplier writing) throws IOException {
        Deque<byte[]> tail = options.tailLines() == null ? null : new ArrayDeque<>();
        Path rotated = ContainerLog.rotated(file);
        if (Files.exists(rotated)) {
            try (FileChannel ch = FileChannel.open(rotated, StandardOpenOption.READ)) {
                if (!drain(ch, new Lines(), tail)) {
                    return;
                }
            } catch (NoSuchFileException raced) {
                // rotated away meanwhile; the current file has what is left
            }
        }
        Opened opened = Opened.open(file);
        if (opened == null) {
            flushTail(tail);
            return;
        }
        FileChannel ch = opened.channel;
        Object openKey = opened.key;
        Lines lines = new Lines();
        try {
            if (!drain(ch, lines, tail) || !flushTail(tail) || !options.follow()) {
                return;
            }
            while (true) {
                boolean more = writing.getAsBoolean();
                if (!drain(ch, lines, null)) {
                    return;
                }
                if (!more) {
                    return;
                }
                Object key = fileKey(file);
                if (key != null && !key.equals(openKey)) {
                    Opened next = Opened.open(file); // rotated: the old file is complete, read on in the new one
                    if (next != null) {
                        ch.close();
                        ch = next.channel;
                        openKey = next.key;
                        lines = new Lines();
                        continue;
                    }
                }
                out.flush();
                Thread.sleep(FOLLOW_POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ch.close();
            out.flush();
        }
    }

    /** Reads {@code ch} to its current end; returns false once the byte limit is reached. */
    private boolean drain(FileChannel ch, Lines lines, Deque<byte[]> tail) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        while (ch.read(buf) > 0) {
            buf.flip();
            while (buf.hasRemaining()) {
                byte[] record = lines.next(buf);
                if (record != null && !emit(record, tail)) {
                    return false;
                }
            }
            buf.clear();
        }
        return true;
    }

    private boolean emit(byte[] record, Deque<byte[]> tail) throws IOException {
        byte[] shown = render(record);
        if (shown == null) {
            return true;
        }
        if (tail != null) {
            tail.addLast(shown);
            if (tail.size() > options.tailLines()) {
                tail.removeFirst();
            }
            return true;
        }
        return write(shown);
    }

    private boolean flushTail(Deque<byte[]> tail) throws IOException {
        if (tail != null) {
            for (byte[] b : tail) {
                if (!write(b)) {
                    return false;
                }
            }
            tail.clear();
        }
        return true;
    }

    /** One record as the user sees it, or null if it is before {@code since} or not a record. */
    private byte[] render(byte[] record) {
        String s = new String(record, StandardCharsets.UTF_8);
        int sp1 = s.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : s.indexOf(' ', sp1 + 1);
        int sp3 = sp2 < 0 ? -1 : s.indexOf(' ', sp2 + 1);
        if (sp3 < 0) {
            return null;
        }
        String time = s.substring(0, sp1);
        if (options.since() != null && Instant.parse(time).isBefore(options.since())) {
            return null;
        }
        boolean partial = s.startsWith("P", sp2 + 1);
        String text = (options.timestamps() ? time + " " : "") + s.substring(sp3 + 1) + (partial ? "" : "\n");
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private boolean write(byte[] b) throws IOException {
        if (options.limitBytes() == null) {
            out.write(b);
            return true;
        }
        long room = options.limitBytes() - written;
        int n = (int) Math.min(room, b.length);
        out.write(b, 0, n);
        written += n;
        return written < options.limitBytes();
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Splits bytes into records; a record without its newline yet waits for the rest. */
    private static final class Lines {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        byte[] next(ByteBuffer buf) {
            while (buf.hasRemaining()) {
                byte b = buf.get();
                if (b == '\n') {
                    byte[] r = pending.toByteArray();
                    pending.reset();
                    return r;
                }
                pending.write(b);
            }
            return null;
        }
    }

    /** A channel and the identity of the file it reads, taken so that a rotation in between cannot mix them up. */
    private record Opened(FileChannel channel, Object key) {
        static Opened open(Path file) throws IOException {
            for (int attempt = 0; attempt < 5; attempt++) {
                Object before = fileKey(file);
                FileChannel ch;
                try {
                    ch = FileChannel.open(file, StandardOpenOption.READ);
                } catch (NoSuchFileException e) {
                    return null;
                }
                if (before != null && before.equals(fileKey(file))) {
                    return new Opened(ch, before);
                }
                ch.close();
            }
            return null;
        }
    }
}
