package dev.hawser.orchestrator.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogReaderTest {
    @TempDir
    Path dir;

    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    /** Writes lines "line-1".."line-n", line i at T0 + i seconds. */
    private ContainerLog write(Path file, int n, long maxBytes) throws IOException {
        MutableClock clock = new MutableClock();
        ContainerLog log = new ContainerLog(file, maxBytes, clock, 1);
        for (int i = 1; i <= n; i++) {
            clock.now = T0.plusSeconds(i);
            byte[] b = ("line-" + i).getBytes(StandardCharsets.UTF_8);
            log.append(i % 2 == 0 ? "stderr" : "stdout", b, b.length, false);
        }
        return log;
    }

    private static String read(Path file, LogOptions o) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogReader.copy(file, o, () -> false, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static LogOptions opts(Integer tail, Instant since, Long limit, boolean timestamps) {
        return new LogOptions(false, false, timestamps, tail, since, limit);
    }

    @Test
    void readsEveryLineOfBothStreamsInOrder() throws IOException {
        Path f = dir.resolve("0.log");
        write(f, 3, 1 << 20);
        assertEquals("line-1\nline-2\nline-3\n", read(f, opts(null, null, null, false)));
    }

    @Test
    void tailLinesKeepsTheLastLines() throws IOException {
        Path f = dir.resolve("0.log");
        write(f, 10, 1 << 20);
        assertEquals("line-9\nline-10\n", read(f, opts(2, null, null, false)));
        assertEquals("", read(f, opts(0, null, null, false)));
    }

    @Test
    void limitBytesCutsTheOutputExactly() throws IOException {
        Path f = dir.resolve("0.log");
        write(f, 10, 1 << 20);
        assertEquals("line-1\nli", read(f, opts(null, null, 9L, false)));
    }

    @Test
    void sinceSkipsOlderLinesAndTimestampsPrefixTheTime() throws IOException {
        Path f = dir.resolve("0.log");
        write(f, 5, 1 << 20);
        assertEquals("line-4\nline-5\n", read(f, opts(null, T0.plusSeconds(4), null, false)));
        assertEquals("2026-01-01T10:00:05Z line-5\n", read(f, opts(1, null, null, true)));
    }

    @Test
    void rotationKeepsOneOlderFileThatIsReadFirst() throws IOException {
        Path f = dir.resolve("0.log");
        write(f, 10, 100); // each record is ~35 bytes, so the file rotates every third line
        assertTrue(Files.exists(ContainerLog.rotated(f)));
        String all = read(f, opts(null, null, null, false));
        assertTrue(all.endsWith("line-9\nline-10\n"), all);
        assertTrue(all.startsWith("line-"), all);
    }

    @Test
    void followEndsOnceTheWriterClosedAndEverythingWasSent() throws Exception {
        Path f = dir.resolve("0.log");
        ContainerLog log = new ContainerLog(f, 1 << 20, Clock.systemUTC(), 1);
        AtomicBoolean writing = new AtomicBoolean(true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                LogReader.copy(f, new LogOptions(true, false, false, null, null, null), writing::get, out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        reader.start();
        Thread.sleep(200);
        log.pump(new ByteArrayInputStream("late line\nlast without newline".getBytes(StandardCharsets.UTF_8)), "stdout");
        writing.set(log.isClosed() ? false : true);
        reader.join(5000);
        assertEquals("late line\nlast without newline\n", out.toString(StandardCharsets.UTF_8));
    }

    private static final class MutableClock extends Clock {
        Instant now = T0;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
