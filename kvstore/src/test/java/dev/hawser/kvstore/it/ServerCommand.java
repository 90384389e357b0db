package dev.hawser.kvstore.it;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The command line that starts one store node, before the etcd-style flags.
 *
 * <p>By default a Hawser node: {@code <java.home>/bin/java -Xmx256m -XX:+UseSerialGC -cp
 * <test classpath> dev.hawser.kvstore.cli.Main store}. Failsafe runs with
 * {@code useManifestOnlyJar=false}, so {@code java.class.path} is the real classpath; the test
 * classes themselves are left out of the node's.
 *
 * <p>With {@code -Dhawser.it.server=etcd} it is the {@code etcd} binary instead (Debian's
 * etcd-server 3.4 takes the same flags), which lets the suite be checked against real etcd.
 * Extra JVM options for Hawser nodes: {@code -Dhawser.it.nodeJvmOpts="..."}.
 */
final class ServerCommand {
  static final String MAIN_CLASS = "dev.hawser.kvstore.cli.Main";

  private ServerCommand() {}

  static boolean isReferenceEtcd() {
    return "etcd".equals(System.getProperty("hawser.it.server", "hawser"));
  }

  /**
   * The test classpath less the test classes: a node sees what it ships with (main classes and
   * dependencies), so test resources such as a logback-test.xml never change how nodes run.
   */
  static String nodeClasspath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("test-classes/"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  static List<String> prefix() {
    if (isReferenceEtcd()) {
      return List.of(System.getProperty("hawser.it.etcdBinary", "etcd"));
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    String extra = System.getProperty("hawser.it.nodeJvmOpts", "").trim();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.add("-cp");
    command.add(nodeClasspath());
    command.add(MAIN_CLASS);
    command.add("store");
    return command;
  }
}
