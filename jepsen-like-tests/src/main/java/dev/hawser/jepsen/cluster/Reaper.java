package dev.hawser.jepsen.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A watchdog shell that outlives nothing: it reads from a pipe held by this JVM, and when the
 * pipe closes without a clean "done" (the JVM died, even by SIGKILL, so no shutdown hook ran) it
 * SIGKILLs every process whose command line carries this cluster's unique token. Shutdown hooks
 * cover normal exits and exceptions; the reaper covers a test JVM killed by a fork timeout.
 * Matching on the token (never on a remembered pid) cannot hit another engineer's process.
 */
final class Reaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
    private static final String SCRIPT = """
            while IFS= read -r line; do
              [ "$line" = done ] && exit 0
            done
            for d in /proc/[0-9]*; do
              cmd=$(tr '\\000' ' ' < "$d/cmdline" 2>/dev/null) || continue
              case "$cmd" in
                *"--initial-cluster-token $HAWSER_REAP_TOKEN"*) kill -9 "${d#/proc/}" 2>/dev/null ;;
              esac
            done
            """;

    private final Process process;
    private final OutputStream pipe;

    private Reaper(Process process) {
        this.process = process;
        this.pipe = process == null ? null : process.getOutputStream();
    }

    static Reaper start(String token) {
        try {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", SCRIPT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            // The token goes through the environment, so the reaper's own command line does not match it.
            pb.environment().put("HAWSER_REAP_TOKEN", token);
            return new Reaper(pb.start());
        } catch (IOException e) {
            LOG.warn("no reaper process ({}); members are only killed by shutdown hooks", e.toString());
            return new Reaper(null);
        }
    }

    /** Clean close: every member is already gone, so the reaper just exits. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            pipe.write("done\n".getBytes(StandardCharsets.UTF_8));
            pipe.close();
        } catch (IOException e) {
            process.destroy();
        }
    }
}
