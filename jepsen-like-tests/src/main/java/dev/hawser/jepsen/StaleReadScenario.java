package dev.hawser.jepsen;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.checker.Linearizability;
import dev.hawser.jepsen.checker.RegisterModel;
import dev.hawser.jepsen.cluster.Cluster;
import dev.hawser.jepsen.fault.FaultEvent;
import dev.hawser.jepsen.history.History;
import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.report.RunReport;
import dev.hawser.jepsen.workload.Kv;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The "broken server" check, built without touching the server: reads sent with
 * {@code serializable=true} to a follower cut off from the majority are served from its stale
 * local state, while the history records them as ordinary (linearizable) reads. The scenario
 * makes staleness certain: write v1 and wait until the follower has it, cut the follower off,
 * write v2 and v3 through the majority (both acknowledged), then read at the follower. The
 * checker must reject the history and shrink it to write v1, write v2, read v1.
 */
public final class StaleReadScenario {
    private StaleReadScenario() {
    }

    public static RunReport run(Path workDir, long seed) throws Exception {
        Path runDir = workDir.resolve("stale-read-" + seed);
        try (Cluster cluster = Cluster.start(3, runDir.resolve("data"),
                List.of("--election-timeout", "2000", "--heartbeat-interval", "200"))) {
            long t0 = System.nanoTime();
            History h = new History(() -> System.nanoTime() - t0);
            String key = "reg/stale";
            String leader = cluster.leader().orElseThrow();
            String follower = cluster.names().stream().filter(n -> !n.equals(leader)).sorted().findFirst().orElseThrow();
            List<String> majority = cluster.names().stream().filter(n -> !n.equals(follower)).toList();

            write(cluster, h, 0, leader, key, 1);
            for (int i = 0; i < 100; i++) {
                Long seen = Kv.parse(Kv.get(cluster.channel(follower), 2_000, key, true));
                if (Long.valueOf(1).equals(seen)) {
                    break;
                }
                Thread.sleep(100);
            }
            long cutAt = h.ops().isEmpty() ? 0 : System.nanoTime() - t0;
            cluster.cut(List.of(follower), majority);
            String writer = cluster.leader().filter(majority::contains).orElse(majority.get(0));
            write(cluster, h, 1, writer, key, 2);
            write(cluster, h, 1, writer, key, 3);
            Op inv = h.invoke(2, "read", key, null, null, follower + " (serializable)");
            Long seen = Kv.parse(Kv.get(cluster.channel(follower), 2_000, key, true));
            h.complete(inv, Op.Type.OK, seen, null, null);
            cluster.healNetwork();
            long healAt = System.nanoTime() - t0;

            List<CheckResult> results = new ArrayList<>(new Linearizability<>(new RegisterModel(), 10_000, 1_000_000)
                    .check("linearizable-register", h.ops(), Op::key));
            RunReport report = new RunReport("stale-read", seed, 3, List.of("register (serializable reads at isolated follower)"),
                    List.of("partition"), (System.nanoTime() - t0) / 1_000_000,
                    List.of(new FaultEvent("partition", "isolate follower " + follower + " from " + majority, cutAt, healAt)),
                    Map.of("register", h.ops()), results);
            report.write(workDir.resolve("reports").resolve("stale-read-" + seed));
            return report;
        }
    }

    private static void write(Cluster cluster, History h, int process, String node, String key, long v) {
        Op inv = h.invoke(process, "write", key, v, null, node);
        long rev = Kv.put(cluster.channel(node), 10_000, key, Long.toString(v), 0);
        h.complete(inv, Op.Type.OK, v, List.of(rev), null);
    }
}
