package dev.hawser.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class UsageTest {
    @Test
    void readsOutSegsFromTheTcpValuesLine() {
        List<String> snmp = List.of(
                "Ip: Forwarding DefaultTTL InReceives",
                "Ip: 1 64 12345",
                "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab"
                        + " InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors",
                "Tcp: 1 200 120000 -1 10 20 0 0 4 5000 4711 0 0 3 0",
                "Udp: InDatagrams NoPorts",
                "Udp: 7 0");
        assertEquals(4711, Usage.outSegs(snmp));
    }

    @Test
    void withoutATcpLineTheCountIsUnknown() {
        assertEquals(-1, Usage.outSegs(List.of("Ip: Forwarding", "Ip: 1")));
    }

    @Test
    void dividesWhatWasUsedByTheOperations() {
        Usage before = new Usage(1_000_000, 100, 50);
        Usage after = new Usage(3_000_000, 400, 250);
        Usage.PerOperation perOp = after.since(before, 100);
        assertEquals(20.0, perOp.cpuMicros());
        assertEquals(3.0, perOp.threadSwitches());
        assertEquals(2.0, perOp.tcpSegments());
    }

    @Test
    void aCountTheOsDidNotGiveStaysUnknown() {
        Usage.PerOperation perOp = new Usage(2_000, 10, -1).since(new Usage(1_000, -1, -1), 1);
        assertEquals(1.0, perOp.cpuMicros());
        assertNull(perOp.threadSwitches());
        assertNull(perOp.tcpSegments());
    }

    @Test
    void cpuSinceIsTheDifferenceOrUnknown() {
        assertEquals(1_500, new Usage(2_500, 0, 0).cpuNanosSince(new Usage(1_000, 0, 0)));
        assertEquals(-1, new Usage(2_500, 0, 0).cpuNanosSince(new Usage(-1, 0, 0)));
        assertEquals(-1, new Usage(-1, 0, 0).cpuNanosSince(new Usage(1_000, 0, 0)));
    }

    @Test
    void thisHostsCountersAreReadable() {
        // The bench runs on Linux here; elsewhere the counts are unknown rather than wrong.
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertTrue(Usage.hostTcpSegmentsSent() > 0);
        }
    }
}
