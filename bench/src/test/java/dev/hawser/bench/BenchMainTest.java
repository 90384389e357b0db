package dev.hawser.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BenchMainTest {
    record Outcome(int code, String out, String err) {
        String[] errLines() {
            return err.strip().split("\\R");
        }
    }

    static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BenchMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "put --clients 0                            | --clients must be at least 1",
            "put --conns 0                              | --conns must be at least 1",
            "put --total 0                              | --total must be at least 1",
            "put --rate -5                              | --rate must be at least 0",
            "put --key-size 1 --key-space-size 1000     | --key-size 1 is too small for --key-space-size 1000",
            "put --duration soon                        | 'soon' is not a duration",
            "put --clients many                         | 'many' is not an int",
            "put --bogus                                | Unknown option: '--bogus'",
            "put --endpoints https://127.0.0.1:2379     | only plain http endpoints are supported",
            "put --endpoints 127.0.0.1:notaport         | bad endpoint",
            "put --progress sometimes                   | --progress must be auto, on or off",
            "range foo --consistency x                  | --consistency must be l (linearizable) or s (serializable)",
            "range                                      | Missing required parameter: 'KEY'",
            "txn --txn-ops 0                            | --txn-ops must be at least 1",
            "watch --watchers 5 --streams 10            | --streams (10) must not exceed --watchers (5)",
            "watch --val-size 4                         | --val-size must be at least 8",
            "lease-keepalive --ttl 0                    | --ttl must be at least 1",
            "compare --base-port 40000                  | --base-port must be in 1024..32750",
            "compare --only neither                     | --only must be both, etcd or hawser",
            "compare --rounds 0                         | --rounds must be at least 1",
            "compare --idle-seconds -1                  | --idle-seconds must be at least 0",
            "frobnicate                                 | Unmatched argument at index 0: 'frobnicate'",
    })
    void nonsenseFlagsGiveOneLineErrorAndExitCode2(String args, String expected) {
        Outcome o = run(args.trim().split("\\s+"));
        assertEquals(2, o.code(), o.err());
        assertEquals(1, o.errLines().length, "one line, got: " + o.err());
        assertTrue(o.err().startsWith("hawser bench"), o.err());
        assertTrue(o.err().contains(expected), o.err());
    }

    @Test
    void noSubcommandPrintsUsageAndExitCode2() {
        Outcome o = run();
        assertEquals(2, o.code());
        assertTrue(o.err().contains("put"), o.err());
        assertTrue(o.err().contains("compare"), o.err());
    }

    @Test
    void helpExitsZero() {
        Outcome o = run("put", "--help");
        assertEquals(0, o.code());
        assertTrue(o.out().contains("--key-space-size"), o.out());
    }

    @Test
    void deadEndpointFailsFastWithReadableError() throws IOException {
        int port = freePort();
        long start = System.nanoTime();
        Outcome o = run("put", "--endpoints", "http://127.0.0.1:" + port, "--dial-timeout", "3s", "--no-files",
                "--progress", "off");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(1, o.code(), o.err());
        assertEquals(1, o.errLines().length, o.err());
        assertTrue(o.err().contains("cannot reach http://127.0.0.1:" + port), o.err());
        assertTrue(o.err().contains("UNAVAILABLE"), o.err());
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "took " + took);
    }

    @Test
    void blackholedEndpointFailsAfterDialTimeout() throws IOException {
        // A listening socket that never speaks HTTP/2: the Status probe must give up at --dial-timeout.
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Outcome o = run("range", "foo", "--endpoints", "127.0.0.1:" + silent.getLocalPort(), "--dial-timeout", "1s",
                    "--no-files", "--progress", "off");
            assertEquals(1, o.code(), o.err());
            assertTrue(o.err().contains("cannot reach"), o.err());
            assertTrue(o.err().contains("DEADLINE_EXCEEDED"), o.err());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}
