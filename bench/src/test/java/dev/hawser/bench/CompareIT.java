package dev.hawser.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hawser.bench.load.Results;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short real run of {@code bench compare}: a 3-member etcd 3.4 (Debian's etcd-server, which .ci/run installs) and
 * a 3-member Hawser cluster up side by side, each workload run on both, the first side alternating by round.
 */
class CompareIT {
    @TempDir
    Path dir;

    @Test
    void bothClustersRunEachWorkloadInTurnsAndTheTableHasEveryRatio() throws Exception {
        requireEtcd();
        Path json = dir.resolve("compare.json");
        BenchMainTest.Outcome o = BenchMainTest.run("compare", "--base-port", "27790",
                "--work-dir", dir.resolve("data").toString(), "--warmup-seconds", "3", "--rounds", "2",
                "--idle-seconds", "1",
                "--workloads", "put-100,put-1-p50,watch", "--put-total", "300", "--latency-total", "30",
                "--watchers", "20", "--watch-puts", "30", "--progress", "off", "--json", json.toString());
        assertEquals(0, o.code(), o.err() + o.out());

        // The warm-up's passes (each starts with put-100) take turns, Hawser's first; then round 1 measures etcd
        // first, round 2 Hawser first, workload by workload.
        List<String> puts = sidesInOrder(o.out(), "put-100");
        assertEquals(List.of("etcd", "hawser", "hawser", "etcd"), puts.subList(puts.size() - 4, puts.size()));
        List<String> warmUp = puts.subList(0, puts.size() - 4);
        int turns = Math.min(Collections.frequency(warmUp, "hawser"), Collections.frequency(warmUp, "etcd"));
        assertTrue(turns >= 1, warmUp.toString());
        for (int i = 0; i < 2 * turns; i++) {
            assertEquals(i % 2 == 0 ? "hawser" : "etcd", warmUp.get(i), warmUp.toString());
        }
        List<String> watches = sidesInOrder(o.out(), "watch events");
        assertEquals(List.of("etcd", "hawser", "hawser", "etcd"), watches.subList(watches.size() - 4, watches.size()));
        assertTrue(o.out().contains("idle members used (percent of one core): etcd "), o.out());
        assertTrue(o.out().contains("| ratio by round |"), o.out());
        // Both clusters sit idle before every measurement: 2 rounds of 3 workloads on 2 sides.
        assertEquals(12, o.out().lines().filter(l -> l.contains("idle for 1 s before ")).count(), o.out());

        JsonNode doc = Results.JSON.readTree(json.toFile());
        for (JsonNode row : doc.get("rows")) {
            String id = row.get("workload").asText();
            boolean ran = List.of("put-100", "put-1-p50", "watch").contains(id);
            assertEquals(ran ? 2 : 0, row.path("etcdRounds").size(), id);
            assertEquals(ran ? 2 : 0, row.path("hawserRounds").size(), id);
            assertEquals(ran, row.get("ratio").isNumber(), id);
            assertEquals(ran ? 2 : 0, row.path("ratioRounds").size(), id);
        }
        for (String side : List.of("etcd", "hawser")) {
            JsonNode d = doc.get("details").get(side);
            assertTrue(d.get("idleCoresWhileOtherMeasured").asDouble() >= 0, side);
            assertEquals(1, d.get("laterRounds").size(), side);
            assertTrue(d.get("warmupRuns").size() > 0, side);
            assertTrue(d.get("warmupSecondsTaken").asDouble() >= 3, side);
            assertFalse(d.has("put-100-failure"), side);
        }
    }

    /** Skipped without etcd on the PATH, as the etcdctl tests are; on CI (CI=true) that fails instead. */
    private static void requireEtcd() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "etcd"))) {
                return;
            }
        }
        String message = "etcd not found on PATH (install Debian's etcd-server; .ci/run does)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    /** The side of each summary line of a workload, in the order they were printed. */
    private static List<String> sidesInOrder(String out, String workload) {
        Matcher m = Pattern.compile("\\[(etcd|hawser)] \\1 " + Pattern.quote(workload) + ": ").matcher(out);
        List<String> sides = new ArrayList<>();
        while (m.find()) {
            sides.add(m.group(1));
        }
        return sides;
    }
}
