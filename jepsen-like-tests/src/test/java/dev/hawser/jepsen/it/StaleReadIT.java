package dev.hawser.jepsen.it;

import dev.hawser.jepsen.StaleReadScenario;
import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.report.RunReport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker catches a server that serves stale reads (serializable reads at a cut-off follower). */
class StaleReadIT {
    @Test
    void staleReadsFromAnIsolatedFollowerAreReportedAsNonLinearizable() throws Exception {
        RunReport r = StaleReadScenario.run(Path.of("target", "jepsen"), 7);
        assertEquals(1, r.anomalies().size(), () -> "results: " + r.results());
        CheckResult a = r.anomalies().get(0);
        assertEquals(CheckResult.Verdict.ILLEGAL, a.verdict());
        assertTrue(a.subHistory().stream().anyMatch(op -> op.f().equals("read") && op.type() == Op.Type.OK
                && Long.valueOf(1).equals(op.value()) && op.node().contains("serializable")), () -> "evidence: " + a.subHistory());
        assertTrue(a.subHistory().size() <= 6, () -> "not minimal: " + a.subHistory());
    }
}
