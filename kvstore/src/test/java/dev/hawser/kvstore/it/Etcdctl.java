package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real {@code etcdctl} (3.4, ETCDCTL_API=3) against given endpoints.
 *
 * <p>When etcdctl is not installed the calling test fails under {@code CI=true} (CI installs it)
 * and is aborted (skipped) elsewhere. Override the binary with {@code -Dhawser.it.etcdctl=PATH}.
 */
final class Etcdctl {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final String binary;
  private final String endpoints;

  private Etcdctl(String binary, String endpoints) {
    this.binary = binary;
    this.endpoints = endpoints;
  }

  /** An etcdctl for these comma-separated endpoints; fails or aborts the test if it is missing. */
  static Etcdctl forEndpoints(String endpoints) {
    return new Etcdctl(requireBinary(), endpoints);
  }

  /** Fails (under CI=true) or aborts the calling test when etcdctl is not installed. */
  static void requireInstalled() {
    requireBinary();
  }

  /**
   * etcdctl's TLS flags for a member whose CA is {@code pki/ca.crt}, presenting {@code pki/<cert>.crt} and its key,
   * followed by {@code args}.
   */
  static String[] withCert(java.nio.file.Path pki, String cert, String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "--cacert=" + pki.resolve("ca.crt");
    all[1] = "--cert=" + pki.resolve(cert + ".crt");
    all[2] = "--key=" + pki.resolve(cert + ".key");
    System.arraycopy(args, 0, all, 3, args.length);
    return all;
  }

  /** The outcome of one etcdctl run. */
  record Result(int exitCode, String stdout, String stderr) {
    boolean ok() {
      return exitCode == 0;
    }

    /** The text etcdctl prints after "Error: " on failure, or stderr as a whole. */
    String error() {
      int at = stderr.lastIndexOf("Error: ");
      return at < 0 ? stderr.strip() : stderr.substring(at + "Error: ".length()).strip();
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
  }

  Result run(String... args) {
    return run(null, DEFAULT_TIMEOUT, args);
  }

  Result runWithStdin(String stdin, String... args) {
    return run(stdin, DEFAULT_TIMEOUT, args);
  }

  /** Runs, expects exit code 0 and returns stdout; the failure message shows the whole result. */
  String ok(String... args) {
    Result result = run(args);
    if (!result.ok()) {
      fail("etcdctl " + String.join(" ", args) + " failed: " + result);
    }
    return result.stdout();
  }

  /**
   * Runs until it exits 0 or fails with something other than an election's transient error
   * ("leader changed", "no leader", Unavailable, a deadline), for at most {@code timeout}.
   */
  Result runRetrying(Duration timeout, String... args) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Result result = run(args);
      if (result.ok() || !Retry.isTransientText(result.stderr()) || System.nanoTime() - deadline > 0) {
        return result;
      }
      Thread.sleep(200);
    }
  }

  Result run(String stdin, Duration timeout, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary);
    command.add("--endpoints=" + endpoints);
    command.add("--dial-timeout=5s");
    command.add("--command-timeout=15s");
    command.addAll(List.of(args));
    Path out = null;
    Path err = null;
    Path in = null;
    try {
      out = Files.createTempFile("etcdctl", ".out");
      err = Files.createTempFile("etcdctl", ".err");
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      if (stdin != null) {
        in = Files.createTempFile("etcdctl", ".in");
        Files.writeString(in, stdin, StandardCharsets.UTF_8);
        builder.redirectInput(in.toFile());
      } else {
        builder.redirectInput(new File("/dev/null"));
      }
      Map<String, String> env = builder.environment();
      env.keySet().removeIf(key -> key.startsWith("ETCDCTL_"));
      env.put("ETCDCTL_API", "3");
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        fail("etcdctl timed out after " + timeout + ": " + command + "\nstdout: "
            + Files.readString(out) + "\nstderr: " + Files.readString(err));
      }
      return new Result(process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    } finally {
      for (Path p : new Path[] {out, err, in}) {
        if (p != null) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException ignored) {
            // temp file; the OS cleans up eventually
          }
        }
      }
    }
  }

  /**
   * Starts etcdctl without waiting for it, for long-running commands ({@code watch}, {@code watch
   * -i}, {@code lease keep-alive}): stdin and stdout are pipes, stderr goes to {@code stderrFile}.
   * The caller reads stdout line by line and destroys the process.
   */
  Process start(Path stderrFile, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary);
    command.add("--endpoints=" + endpoints);
    command.add("--dial-timeout=5s");
    command.add("--command-timeout=15s");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderrFile.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(key -> key.startsWith("ETCDCTL_"));
    env.put("ETCDCTL_API", "3");
    try {
      return builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command, e);
    }
  }

  private static String requireBinary() {
    String configured = System.getProperty("hawser.it.etcdctl");
    if (configured != null) {
      return configured;
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "etcdctl");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    String message = "etcdctl not found on PATH (install Debian's etcd-client; .ci/run does)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message);
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }
}
