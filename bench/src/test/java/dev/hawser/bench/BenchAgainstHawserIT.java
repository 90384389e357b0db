package dev.hawser.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hawser.bench.load.Results;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short real runs of the load tool against a single-member Hawser store started as its own process. */
class BenchAgainstHawserIT {
    @TempDir
    static Path dir;

    static HawserNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = HawserNode.start(dir.resolve("node"));
        node.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static JsonNode runOk(String name, String... args) throws Exception {
        Path json = dir.resolve(name + ".json");
        Path png = dir.resolve(name + ".png");
        String[] all = new String[args.length + 8];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(new String[] {"--endpoints", node.endpoint(), "--json", json.toString(), "--plot",
                png.toString(), "--progress", "off"}, 0, all, args.length, 8);
        BenchMainTest.Outcome o = BenchMainTest.run(all);
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("Requests/sec:"), o.out());
        assertTrue(o.out().contains("99.9% in"), o.out());
        assertTrue(Files.size(png) > 1000, "plot written");
        return Results.JSON.readTree(json.toFile());
    }

    @Test
    void putRunsTheRequestedTotalAndWritesJsonAndPlot() throws Exception {
        JsonNode doc = runOk("put", "put", "--conns", "2", "--clients", "8", "--total", "300", "--val-size", "64",
                "--key-space-size", "50", "--sequential-keys");
        JsonNode r = doc.get("results").get(0);
        assertEquals("put", doc.get("command").asText());
        assertEquals(300, r.get("requests").asLong());
        assertEquals(0, r.get("errors").asLong());
        assertEquals(300, r.get("latency").get("count").asLong());
        assertTrue(r.get("latency").get("percentilesMs").has("p99.9"));
        assertEquals(8, doc.get("params").get("clients").asInt());
    }

    @Test
    void rangeTxnAndLeaseKeepAliveComplete() throws Exception {
        assertEquals(200, runOk("range", "range", "foo", "--consistency", "s", "--clients", "4", "--total", "200")
                .get("results").get(0).get("requests").asLong());
        assertEquals(100, runOk("txn", "txn", "--txn-ops", "3", "--clients", "4", "--total", "100",
                "--key-space-size", "20").get("results").get(0).get("requests").asLong());
        assertEquals(100, runOk("lease", "lease-keepalive", "--clients", "2", "--total", "100")
                .get("results").get(0).get("requests").asLong());
    }

    @Test
    void watchDeliversEveryEventToEveryWatcher() throws Exception {
        JsonNode doc = runOk("watch", "watch", "--watchers", "20", "--streams", "2", "--put-total", "30",
                "--put-clients", "3");
        assertEquals(600, doc.get("extra").get("eventsExpected").asLong());
        assertEquals(600, doc.get("extra").get("eventsReceived").asLong());
        assertEquals(20, doc.get("results").get(0).get("requests").asLong(), "watch creations");
        assertEquals(30, doc.get("results").get(1).get("requests").asLong(), "puts");
    }

    @Test
    void durationBoundedRunStops() throws Exception {
        JsonNode r = runOk("timed", "put", "--duration", "1s", "--clients", "2", "--rate", "50")
                .get("results").get(0);
        long n = r.get("requests").asLong();
        assertTrue(n > 0 && n <= 60, "rate-limited 1 s run sent " + n);
    }
}
