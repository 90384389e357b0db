package dev.hawser.orchestrator.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real kubectl against one kubeconfig, with its own HOME so discovery caches never leak between runs. */
final class Kubectl {
    record Result(int exit, String out, String err) {
        Result ok() {
            if (exit != 0) {
                throw new AssertionError("kubectl failed (" + exit + "): " + err + out);
            }
            return this;
        }
    }

    private final Path kubeconfig;
    private final Path home;

    Kubectl(Path kubeconfig, Path home) {
        this.kubeconfig = kubeconfig;
        this.home = home;
    }

    /** A kubeconfig for {@code server}, trusting {@code ca}, with {@code user} as the user's YAML body. */
    static Path writeConfig(Path dir, String name, String server, Path ca, String user) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve(name);
        Files.writeString(f, """
                apiVersion: v1
                kind: Config
                clusters:
                - cluster:
                    server: %s
                    certificate-authority: %s
                  name: hawser
                contexts:
                - context:
                    cluster: hawser
                    user: user
                  name: hawser
                current-context: hawser
                users:
                - name: user
                  user: %s
                """.formatted(server, ca, user));
        return f;
    }

    /** Runs kubectl (usually with {@code -o json}) and parses its output; any failure is an AssertionError. */
    com.fasterxml.jackson.databind.JsonNode json(String... args) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(run(args).ok().out());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Result run(String... args) throws IOException, InterruptedException {
        return runWithInput(null, args);
    }

    Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        Process p = start(stdin, args);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** Starts kubectl without waiting (for -w); stdout and stderr go to {@code out}. */
    Process background(Path out, String... args) throws IOException {
        List<String> cmd = command(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        env(pb);
        return pb.start();
    }

    private Process start(String stdin, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args));
        env(pb);
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        return p;
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("kubectl");
        cmd.add("--kubeconfig=" + kubeconfig);
        cmd.add("--request-timeout=60s");
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void env(ProcessBuilder pb) {
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("KUBECONFIG");
    }
}
