package dev.hawser.jepsen.it;

import dev.hawser.jepsen.ChaosRun;
import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.fault.FaultEvent;
import dev.hawser.jepsen.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short real run: 3 members, every workload, every fault kind in {@link #FAULTS} at least once. The healthy build
 * must show no anomaly (and no UNKNOWN: a checker timeout is not a pass). Seed: -Dhawser.chaos.seed.
 */
class ChaosIT {
    /** Every fault kind: kill -9, SIGSTOP, partitions, a member removed and a fresh one added, a full restart. */
    static final List<String> FAULTS = List.of(System.getProperty("hawser.chaos.faults", "kill,pause,partition,member,restart")
            .split(","));

    @Test
    // A hung run fails instead of holding the build; the members die with the JVM (hooks, reaper).
    @Timeout(value = 12, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shortRunWithEveryFaultKindHasNoAnomalies() throws Exception {
        long seed = Long.getLong("hawser.chaos.seed", 42);
        RunReport r = ChaosRun.run(new ChaosRun.Config("chaos-it", 3, List.of("register", "set", "watch", "lock", "lease"),
                FAULTS, Duration.ofSeconds(Long.getLong("hawser.chaos.seconds", 60)), seed, Path.of("target", "jepsen"),
                3_000, 5_000, 3_000));
        assertTrue(r.faults().stream().map(FaultEvent::kind).collect(Collectors.toSet()).containsAll(FAULTS), () -> "faults: " + r.faults());
        assertTrue(r.faults().stream().noneMatch(f -> f.detail().startsWith("FAILED")), () -> "faults: " + r.faults());
        assertTrue(r.operations() > 0);
        List<CheckResult> bad = r.anomalies();
        assertEquals(List.of(), bad, () -> bad.stream().map(a -> a.verdict() + " " + a.checker() + " " + a.partition() + ": "
                + a.message() + "\n  " + a.subHistory()).collect(Collectors.joining("\n")));
    }
}
