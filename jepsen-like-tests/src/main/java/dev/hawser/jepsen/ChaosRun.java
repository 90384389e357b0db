package dev.hawser.jepsen;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.checker.WatchChecker;
import dev.hawser.jepsen.cluster.Cluster;
import dev.hawser.jepsen.cluster.Member;
import dev.hawser.jepsen.fault.Nemesis;
import dev.hawser.jepsen.history.WatchEvent;
import dev.hawser.jepsen.report.RunReport;
import dev.hawser.jepsen.workload.Kv;
import dev.hawser.jepsen.workload.LeaseWorkload;
import dev.hawser.jepsen.workload.LockWorkload;
import dev.hawser.jepsen.workload.RegisterWorkload;
import dev.hawser.jepsen.workload.RunContext;
import dev.hawser.jepsen.workload.SetWorkload;
import dev.hawser.jepsen.workload.WatchWorkload;
import dev.hawser.jepsen.workload.Watches;
import dev.hawser.jepsen.workload.Workload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run: start the cluster, drive the workloads while the nemesis injects faults, heal, do the
 * final reads, read the committed history back from every member, check, and write the report.
 */
public final class ChaosRun {
    private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);

    /** What to run. {@code workloads}: register, set, watch, lock, lease. {@code faults}: kill, pause, partition, member, restart. */
    public record Config(String name, int nodes, List<String> workloads, List<String> faults, Duration time, long seed,
                         Path workDir, long healthyMillis, long faultMillis, long opTimeoutMillis) {
    }

    private ChaosRun() {
    }

    public static RunReport run(Config cfg) throws Exception {
        Path runDir = cfg.workDir().resolve(cfg.name() + "-" + cfg.seed());
        try (Cluster cluster = Cluster.start(cfg.nodes(), runDir.resolve("data"),
                List.of("--election-timeout", "2000", "--heartbeat-interval", "200"))) {
            RunContext ctx = new RunContext(cluster, cfg.seed(), cfg.opTimeoutMillis());
            List<Workload> workloads = new ArrayList<>();
            WatchWorkload watch = null;
            for (String w : cfg.workloads()) {
                switch (w) {
                    case "register" -> workloads.add(new RegisterWorkload(3, 150, 30));
                    case "set" -> workloads.add(new SetWorkload(60));
                    case "watch" -> workloads.add(watch = new WatchWorkload(2));
                    case "lock" -> workloads.add(new LockWorkload(2));
                    case "lease" -> workloads.add(new LeaseWorkload());
                    default -> throw new IllegalArgumentException("unknown workload " + w);
                }
            }
            Nemesis nemesis = new Nemesis(cluster, cfg.faults(), cfg.seed(), ctx::now, cfg.healthyMillis(), cfg.faultMillis());
            boolean ran = false;
            try {
                for (Workload w : workloads) {
                    w.start(ctx);
                }
                long deadline = ctx.now() + cfg.time().toNanos();
                nemesis.run(deadline);
                LOG.info("run over after {} ms; healing and checking", ctx.now() / 1_000_000);
                ran = true;
            } finally {
                // Also on failure: no client thread may outlive the run (the next IT shares this JVM).
                for (Workload w : workloads) {
                    w.stop();
                }
                if (!ran && watch != null) {
                    watch.catchUp(0, 0);
                }
            }
            cluster.healNetwork();
            cluster.members().forEach(m -> cluster.resume(m.name()));
            cluster.awaitHealthy(Duration.ofSeconds(120));
            for (Workload w : workloads) {
                w.finish(ctx);
            }
            List<CheckResult> results = new ArrayList<>();
            List<WatchEvent> reference = null;
            try {
                reference = committedHistory(cluster, results);
            } catch (RuntimeException e) {
                results.add(CheckResult.unknown("watch-replicas", "all", "could not read committed history: " + e));
            }
            if (watch != null && reference != null) {
                watch.catchUp(reference.isEmpty() ? 0 : reference.get(reference.size() - 1).revision(), 30_000);
            } else if (watch != null) {
                watch.catchUp(0, 0);
            }
            Map<String, List<dev.hawser.jepsen.history.Op>> histories = new LinkedHashMap<>();
            for (Workload w : workloads) {
                results.addAll(w.check(reference));
                if (!w.history().isEmpty()) {
                    histories.put(w.name(), w.history());
                }
            }
            RunReport report = new RunReport(cfg.name(), cfg.seed(), cfg.nodes(), cfg.workloads(), cfg.faults(),
                    ctx.now() / 1_000_000, nemesis.events(), histories, results);
            report.write(cfg.workDir().resolve("reports").resolve(cfg.name() + "-" + cfg.seed()));
            return report;
        }
    }

    /** Reads the event history from revision 1 on every member; they must agree. Returns the leader's. */
    static List<WatchEvent> committedHistory(Cluster cluster, List<CheckResult> results) {
        String leader = cluster.leader().orElseThrow();
        long rev = Kv.get(cluster.channel(leader), 5_000, "health-probe", false).getHeader().getRevision();
        Map<String, List<WatchEvent>> byMember = new LinkedHashMap<>();
        for (Member m : cluster.members()) {
            if (m.isRunning()) {
                try {
                    byMember.put(m.name(), Watches.readAll(cluster.channel(m.name()), rev, 60_000));
                } catch (RuntimeException e) {
                    throw new IllegalStateException(m.name() + ": " + e.getMessage(), e);
                }
            }
        }
        results.add(WatchChecker.checkReplicasAgree(byMember));
        return byMember.get(leader);
    }
}
