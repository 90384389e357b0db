package dev.hawser.orchestrator.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A container's process, started through {@code setsid} so it leads a session and process group of
 * its own: signals go to the whole group (whatever the container forked), as Nomad's executor does.
 * A pid file beside the logs lets a restarted agent find and kill groups its predecessor left behind.
 */
final class ProcessGroup {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessGroup.class);

    private final Process process;
    private final Instant startedAt;
    private final Path pidFile;

    private ProcessGroup(Process process, Instant startedAt, Path pidFile) {
        this.process = process;
        this.startedAt = startedAt;
        this.pidFile = pidFile;
    }

    /**
     * Starts {@code command}; with a {@code cgroup} directory the process first moves itself into it
     * (through a tiny shell) so that the limits hold from its first instruction.
     */
    static ProcessGroup start(List<String> command, Map<String, String> env, Path workingDir, Path cgroup, Path pidFile)
            throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        if (cgroup != null) {
            argv.addAll(List.of("sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", cgroup.toString()));
        }
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workingDir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        Instant started = p.info().startInstant().orElse(Instant.now());
        Files.createDirectories(pidFile.getParent());
        Files.writeString(pidFile, p.pid() + " " + started.toEpochMilli() + "\n");
        return new ProcessGroup(p, started, pidFile);
    }

    Process process() {
        return process;
    }

    long pid() {
        return process.pid();
    }

    Instant startedAt() {
        return startedAt;
    }

    void signal(String signal) {
        signalGroup(process.pid(), signal);
    }

    /** After the leader exited: kills anything left in its group and forgets the pid file. */
    void reap() {
        signalGroup(process.pid(), "KILL");
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // a stale pid file is checked against the start time before anything is killed
        }
    }

    /**
     * Kills the groups recorded in pid files under {@code dir} whose leader is still the process that
     * was recorded (same pid and start time, so a reused pid is left alone). Returns how many it killed.
     */
    static int killLeftovers(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> pidFiles;
        try (var walk = Files.walk(dir, 4)) {
            pidFiles = walk.filter(p -> p.getFileName().toString().equals("pid")).toList();
        }
        int killed = 0;
        for (Path f : pidFiles) {
            String[] parts = Files.readString(f).trim().split(" ");
            long pid = Long.parseLong(parts[0]);
            long startedMillis = Long.parseLong(parts[1]);
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            boolean same = h.flatMap(ph -> ph.info().startInstant()).map(t -> t.toEpochMilli() == startedMillis).orElse(false);
            if (same) {
                LOG.info("killing process group {} left behind by a previous agent ({})", pid, f.getParent());
                signalGroup(pid, "KILL");
                killed++;
            }
            Files.deleteIfExists(f);
        }
        return killed;
    }

    private static void signalGroup(long pgid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            LOG.warn("cannot signal process group {}: {}", pgid, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
