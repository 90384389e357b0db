package dev.hawser.jepsen;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.report.RunReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code hawser chaos}: a long fault-injection run; exit code 0 = no anomalies, 1 = anomalies or unknown. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Run workloads against a local cluster while injecting faults, then check the histories.")
public final class ChaosMain implements Callable<Integer> {
    @Option(names = "--time", defaultValue = "5m", description = "Run length, e.g. 90s, 30m, 2h.")
    String time;

    @Option(names = "--nodes", defaultValue = "3", description = "Cluster size (3 or 5).")
    int nodes;

    @Option(names = "--workload", split = ",", defaultValue = "register,set,watch,lock,lease",
            description = "register, set, watch, lock, lease.")
    List<String> workloads;

    @Option(names = "--faults", split = ",", defaultValue = "kill,pause,partition,member,restart",
            description = "kill, pause, partition, member, restart (empty: none).")
    List<String> faults;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for the fault schedule and client choices.")
    long seed;

    @Option(names = "--dir", defaultValue = "target/jepsen", description = "Where data dirs, logs and reports go.")
    Path dir;

    @Option(names = "--healthy", defaultValue = "8000", description = "Mean healthy period between faults, ms.")
    long healthyMillis;

    @Option(names = "--fault-length", defaultValue = "8000", description = "Mean fault length, ms.")
    long faultMillis;

    @Option(names = "--stale-read-demo", description = "Run only the stale-read scenario (the checker must flag it).")
    boolean staleRead;

    @Override
    public Integer call() throws Exception {
        RunReport r = staleRead ? StaleReadScenario.run(dir, seed)
                : ChaosRun.run(new ChaosRun.Config("chaos", nodes, workloads, faults, parse(time), seed, dir,
                healthyMillis, faultMillis, 3_000));
        System.out.println(r.operations() + " operations, " + r.faults().size() + " faults, " + r.anomalies().size() + " anomalies");
        for (CheckResult a : r.anomalies()) {
            System.out.println(a.verdict() + " " + a.checker() + " " + a.partition() + ": " + a.message());
            a.subHistory().forEach(op -> System.out.println("    " + op));
        }
        System.out.println("report: " + dir.resolve("reports").toAbsolutePath());
        return r.anomalies().isEmpty() ? 0 : 1;
    }

    static Duration parse(String s) {
        String t = s.trim().toLowerCase();
        long n = Long.parseLong(t.replaceAll("[a-z]+$", ""));
        return switch (t.replaceAll("^[0-9]+", "")) {
            case "ms" -> Duration.ofMillis(n);
            case "s", "" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("bad duration " + s);
        };
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosMain()).execute(args));
    }
}
