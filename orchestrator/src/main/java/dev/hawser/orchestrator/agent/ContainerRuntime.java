package dev.hawser.orchestrator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.agent.ContainerState.Running;
import dev.hawser.orchestrator.agent.ContainerState.Terminated;
import dev.hawser.orchestrator.agent.ContainerState.Waiting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One container of a pod on this node: its current process (one instance at a time), its exits,
 * restart back-off, probes and log files. Decisions (start, kill) are made by {@link PodSync} on the
 * work queue; process exits and probe results only record facts here and call {@code changed} so
 * the pod is synced again. Log instance n is the container's n-th start (0-based), so the previous
 * instance is n-1.
 */
final class ContainerRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerRuntime.class);

    final String name;
    private final Path dir;
    private final AgentServices services;
    private final Runnable changed;
    private final RestartBackoff backoff;

    private JsonNode spec;
    private int baseRestarts;
    private int instances;
    private ProcessGroup process;
    private ContainerLog log;
    private Path cgroup;
    private Map<String, String> env = Map.of();
    private Terminated lastExit;
    private Terminated exitBefore;
    private Instant restartAt;
    private Waiting configError;
    private boolean terminating;
    private final List<ScheduledFuture<?>> probeTasks = new ArrayList<>();
    private Probe readiness;
    private volatile boolean started;
    private volatile boolean ready;
    private volatile String livenessFailure;

    ContainerRuntime(String name, JsonNode spec, Path dir, AgentServices services, Runnable changed) {
        this.name = name;
        this.spec = spec;
        this.dir = dir;
        this.services = services;
        this.changed = changed;
        AgentConfig c = services.config();
        this.backoff = new RestartBackoff(c.restartBackoffBase(), c.restartBackoffMax(), c.backoffResetAfter());
    }

    /**
     * Continues the restart count of a container a previous agent ran: it counts as restarted once
     * more, since that agent's process died with it (see {@link NodeAgent}).
     */
    synchronized void adoptPrevious(JsonNode previousStatus) {
        if (previousStatus == null || previousStatus.isMissingNode()) {
            return;
        }
        JsonNode state = previousStatus.path("state");
        boolean ran = state.has("running") || state.has("terminated") || previousStatus.path("restartCount").asInt() > 0;
        if (ran) {
            baseRestarts = previousStatus.path("restartCount").asInt() + 1;
            lastExit = new Terminated(137, "Error", "the process ended with the node agent that ran it", null,
                    services.clock().instant(), previousStatus.path("containerID").asText(null));
        }
    }

    synchronized JsonNode spec() {
        return spec;
    }

    synchronized void setSpec(JsonNode spec) {
        this.spec = spec;
    }

    synchronized boolean isRunning() {
        return process != null;
    }

    synchronized boolean hasStarted() {
        return instances > 0 || baseRestarts > 0;
    }

    synchronized Terminated lastExit() {
        return lastExit;
    }

    /** Why liveness (or startup) failed, or null while it holds. */
    String livenessFailure() {
        return livenessFailure;
    }

    synchronized boolean terminating() {
        return terminating;
    }

    /** When the back-off allows the next start (null: now). */
    synchronized Instant restartAt() {
        return restartAt;
    }

    /** The container cannot start until an object it takes variables from exists (CreateContainerConfigError). */
    synchronized void configError(String message) {
        configError = new Waiting("CreateContainerConfigError", message);
    }

    int restartCount() {
        return Math.max(0, baseRestarts + instances - 1);
    }

    private Path logFile(int instance) {
        return dir.resolve(name).resolve(instance + ".log");
    }

    /** Starts the next instance. A command that cannot be started counts as a crash (StartError). */
    synchronized void start(String podIp, Map<String, String> env) {
        int instance = baseRestarts + instances;
        instances++;
        terminating = false;
        configError = null;
        livenessFailure = null;
        started = false;
        ready = false;
        this.env = env;
        Instant now = services.clock().instant();
        try {
            deleteLog(instance - 2);
            List<String> command = command(env);
            log = new ContainerLog(logFile(instance), services.config().maxLogFileBytes(), services.clock(), 2);
            cgroup = services.cgroups().create(dir.getFileName() + "_" + name + "_" + instance, spec.path("resources").path("limits"));
            Path workDir = spec.hasNonNull("workingDir") ? Path.of(spec.get("workingDir").asText()) : services.config().workingDir();
            ProcessGroup pg = ProcessGroup.start(command, env, workDir, cgroup, dir.resolve(name).resolve("pid"));
            process = pg;
            pump(pg, log);
            pg.process().onExit().thenRun(() -> exited(pg));
            startProbes(podIp, instance);
        } catch (IOException | RuntimeException e) {
            LOG.info("container {} of {} could not start: {}", name, dir.getFileName(), e.getMessage());
            if (log != null) {
                byte[] m = ("cannot start container: " + e.getMessage()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                log.append("stderr", m, m.length, false);
                log.pump(java.io.InputStream.nullInputStream(), "stdout");
                log.pump(java.io.InputStream.nullInputStream(), "stderr");
            }
            services.cgroups().remove(cgroup);
            record(new Terminated(128, "StartError", e.getMessage(), null, now, null), Duration.ZERO);
        }
    }

    private List<String> command(Map<String, String> env) {
        List<String> cmd = new ArrayList<>();
        spec.path("command").forEach(a -> cmd.add(ContainerEnv.expand(a.asText(), env::get)));
        if (cmd.isEmpty()) {
            String image = spec.path("image").asText("");
            if (image.isEmpty()) {
                throw new IllegalArgumentException("container has neither a command nor an image to run");
            }
            cmd.add(image);
        }
        spec.path("args").forEach(a -> cmd.add(ContainerEnv.expand(a.asText(), env::get)));
        return cmd;
    }

    private void pump(ProcessGroup pg, ContainerLog log) {
        Thread out = new Thread(() -> log.pump(pg.process().getInputStream(), "stdout"), "log-" + name + "-" + pg.pid() + "-out");
        Thread err = new Thread(() -> log.pump(pg.process().getErrorStream(), "stderr"), "log-" + name + "-" + pg.pid() + "-err");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
        try {
            pg.process().getOutputStream().close(); // no stdin, as with stdin: false
        } catch (IOException ignored) {
            // nothing to close
        }
    }

    private void exited(ProcessGroup pg) {
        pg.reap();
        synchronized (this) {
            if (process != pg) {
                return;
            }
            Instant now = services.clock().instant();
            Terminated t = Terminated.of(pg.process().exitValue(), pg.startedAt(), now, containerId(pg));
            services.cgroups().remove(cgroup);
            cgroup = null;
            record(t, Duration.between(pg.startedAt(), now));
        }
        changed.run();
    }

    private void record(Terminated t, Duration ran) {
        process = null;
        probeTasks.forEach(f -> f.cancel(false));
        probeTasks.clear();
        started = false;
        ready = false;
        exitBefore = lastExit;
        lastExit = t;
        restartAt = t.finishedAt().plus(backoff.onExit(ran));
    }

    /** SIGTERM to the group now, SIGKILL after {@code grace} if it is still there. Once per instance. */
    synchronized void terminate(Duration grace) {
        ProcessGroup pg = process;
        if (pg == null || terminating) {
            return;
        }
        terminating = true;
        if (grace.isZero() || grace.isNegative()) {
            pg.signal("KILL");
            return;
        }
        pg.signal("TERM");
        services.timers().schedule(() -> {
            if (pg.process().isAlive()) {
                pg.signal("KILL");
            }
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void startProbes(String podIp, int instance) {
        Probe startup = Probe.of(spec.get("startupProbe"));
        Probe liveness = Probe.of(spec.get("livenessProbe"));
        readiness = Probe.of(spec.get("readinessProbe"));
        started = startup == null;
        if (startup != null) {
            schedule(startup, podIp, false, new ProbeState(instance) {
                @Override
                void result(boolean ok) {
                    if (started) {
                        return;
                    }
                    if (ok) {
                        started = true;
                        changed.run();
                    } else if (++failures >= startup.failureThreshold()) {
                        failLiveness("startup probe failed " + failures + " times");
                    }
                }
            });
        }
        if (liveness != null) {
            schedule(liveness, podIp, true, new ProbeState(instance) {
                @Override
                void result(boolean ok) {
                    failures = ok ? 0 : failures + 1;
                    if (failures >= liveness.failureThreshold()) {
                        failLiveness("liveness probe failed " + failures + " times");
                    }
                }
            });
        }
        Probe r = readiness;
        if (r != null) {
            schedule(r, podIp, true, new ProbeState(instance) {
                @Override
                void result(boolean ok) {
                    successes = ok ? successes + 1 : 0;
                    failures = ok ? 0 : failures + 1;
                    if (ok && !ready && successes >= r.successThreshold()) {
                        ready = true;
                        changed.run();
                    } else if (!ok && ready && failures >= r.failureThreshold()) {
                        ready = false;
                        changed.run();
                    }
                }
            });
        }
    }

    private void failLiveness(String why) {
        if (livenessFailure == null) {
            livenessFailure = why;
            changed.run();
        }
    }

    /** Counters of one probe for one container instance; probes of an earlier instance do nothing. */
    private abstract class ProbeState {
        final int instance;
        int failures;
        int successes;

        ProbeState(int instance) {
            this.instance = instance;
        }

        abstract void result(boolean ok);
    }

    /** {@code gated}: liveness and readiness wait until the startup probe has passed. */
    private void schedule(Probe probe, String podIp, boolean gated, ProbeState state) {
        JsonNode containerSpec = spec;
        Map<String, String> probeEnv = env;
        Path workDir = spec.hasNonNull("workingDir") ? Path.of(spec.get("workingDir").asText()) : services.config().workingDir();
        probeTasks.add(services.timers().scheduleWithFixedDelay(() -> {
            synchronized (this) {
                if (baseRestarts + instances - 1 != state.instance || process == null || terminating) {
                    return;
                }
            }
            if (gated && !started) {
                return;
            }
            boolean ok = probe.check(podIp, containerSpec, probeEnv, workDir);
            synchronized (this) {
                if (baseRestarts + instances - 1 == state.instance && process != null) {
                    state.result(ok);
                }
            }
        }, probe.initialDelay().toMillis(), probe.period().toMillis(), TimeUnit.MILLISECONDS));
    }

    /** This container's entry in status.containerStatuses. */
    synchronized ObjectNode status(boolean willRestart, Instant now) {
        ObjectNode s = Json.object();
        s.put("name", name).put("image", spec.path("image").asText("")).put("imageID", "");
        ContainerState state;
        Terminated last;
        if (process != null) {
            state = new Running(process.startedAt());
            last = lastExit;
            s.put("containerID", containerId(process));
        } else if (configError != null) {
            state = configError;
            last = lastExit;
        } else if (lastExit != null && willRestart && restartAt != null && restartAt.isAfter(now)) {
            state = new Waiting("CrashLoopBackOff", "back-off " + Duration.between(lastExit.finishedAt(), restartAt).toSeconds()
                    + "s restarting failed container=" + name);
            last = lastExit;
        } else if (lastExit != null) {
            state = lastExit;
            last = exitBefore;
            if (lastExit.containerId() != null) {
                s.put("containerID", lastExit.containerId());
            }
        } else {
            state = new Waiting("ContainerCreating", null);
            last = null;
        }
        s.set("state", state.toJson());
        s.set("lastState", last == null ? Json.object() : last.toJson());
        s.put("ready", isReady());
        s.put("restartCount", restartCount());
        s.put("started", process != null && started);
        return s;
    }

    /** Ready: running, past its startup probe, and passing its readiness probe if it has one. */
    synchronized boolean isReady() {
        return process != null && started && !terminating && (readiness == null || ready);
    }

    /** Where the current (or previous) instance logs, and whether it may still grow; null if there is no such instance. */
    synchronized LogView logView(boolean previous) {
        int current = baseRestarts + instances - 1;
        if (instances == 0) {
            return null;
        }
        int wanted = previous ? current - 1 : current;
        Path f = logFile(wanted);
        if (wanted < 0 || !Files.exists(f) && !Files.exists(ContainerLog.rotated(f))) {
            return null;
        }
        ContainerLog writer = previous ? null : log;
        return new LogView(f, () -> writer != null && !writer.isClosed());
    }

    record LogView(Path file, java.util.function.BooleanSupplier writing) {
    }

    private void deleteLog(int instance) throws IOException {
        if (instance >= 0) {
            Files.deleteIfExists(logFile(instance));
            Files.deleteIfExists(ContainerLog.rotated(logFile(instance)));
        }
    }

    private static String containerId(ProcessGroup pg) {
        return "process://" + pg.pid();
    }
}
