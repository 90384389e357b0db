package dev.hawser.bench;

import com.github.freva.asciitable.AsciiTable;
import com.google.protobuf.ByteString;
import dev.hawser.bench.compare.LocalCluster;
import dev.hawser.bench.compare.Usage;
import dev.hawser.bench.compare.WarmUpTurns;
import dev.hawser.bench.load.Connections;
import dev.hawser.bench.load.Endpoint;
import dev.hawser.bench.load.Keys;
import dev.hawser.bench.load.Results;
import dev.hawser.bench.load.RunResult;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Starts a 3-member etcd and a 3-member Hawser cluster on loopback under the same parent directory (same disk),
 * warms them up in turns, then runs each workload on one and at once on the other, round by round; prints
 * workload | etcd | hawser | ratio and writes JSON. Both sides fsync every commit: etcd by default, Hawser through
 * Ratis. The client is this JVM for both.
 */
@Command(name = "compare", description = {
        "Run the same workloads against a local 3-member etcd and a local 3-member Hawser cluster and compare.",
        "Workloads: put (100 and 1000 clients), 1-client put latency, linearizable and serializable range,",
        "watch fan-out. Default totals finish in a few minutes on 2 cores; scale up with the --*-total flags."})
final class CompareCommand implements Callable<Integer> {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    /** LocalTime's own toString drops the seconds when they are zero. */
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final String RANGE_KEY = "bench-range-key";
    private static final long KEY_SPACE = 100_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--only", defaultValue = "both", paramLabel = "both|etcd|hawser",
            description = "Which clusters to run (default: ${DEFAULT-VALUE}).")
    String only;

    @Option(names = "--etcd-binary", defaultValue = "etcd", description = "etcd 3.4 server binary (default: ${DEFAULT-VALUE}).")
    String etcdBinary;

    @Option(names = "--hawser-classpath",
            description = "Classpath of the Hawser members (default: this tool's classpath, which holds hawser-kvstore).")
    String hawserClasspath;

    @Option(names = "--hawser-jvm-opts", defaultValue = dev.hawser.kvstore.cli.LocalCluster.MEMBER_JVM_OPTS,
            description = "JVM options of each Hawser member (default: ${DEFAULT-VALUE}, as `hawser up`).")
    String hawserJvmOpts;

    @Option(names = "--hawser-jfr", paramLabel = "DIR",
            description = "Record a JFR profile of each Hawser member into DIR/<member>.jfr.")
    Path jfrDir;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Parent of both clusters' data (default: a new temp directory, deleted afterwards).")
    Path workDir;

    @Option(names = "--keep-data", description = "Keep the data and logs of both clusters.")
    boolean keepData;

    @Option(names = "--base-port", defaultValue = "23790",
            description = "First of 18 loopback ports used (default: ${DEFAULT-VALUE}; must stay below 32768).")
    int basePort;

    @Option(names = "--put-total", defaultValue = "20000", description = "Puts per throughput workload (default: ${DEFAULT-VALUE}).")
    long putTotal;

    @Option(names = "--latency-total", defaultValue = "500", description = "Puts of the 1-client latency workload, shared out over the members unless --target-leader (default: ${DEFAULT-VALUE}).")
    long latencyTotal;

    @Option(names = "--range-total", defaultValue = "30000", description = "Ranges per range workload (default: ${DEFAULT-VALUE}).")
    long rangeTotal;

    @Option(names = "--watchers", defaultValue = "1000", description = "Watchers of the fan-out workload (default: ${DEFAULT-VALUE}).")
    int watchers;

    @Option(names = "--watch-puts", defaultValue = "2000", description = "Puts of the fan-out workload (default: ${DEFAULT-VALUE}).")
    long watchPuts;

    @Option(names = "--warmup-seconds", defaultValue = "150", description = {
            "Before measuring, cycle through the workloads at a quarter of their size for this long, unreported,",
            "on each cluster, the two in turns, so the JVM's compilers are done with the hot paths",
            "(default: ${DEFAULT-VALUE}; 0 = none)."})
    long warmupSeconds;

    @Option(names = "--max-seconds", defaultValue = "45",
            description = "Cap on each workload's load phase, so a slow server cannot stall the run (default: ${DEFAULT-VALUE}).")
    long maxSeconds;

    @Option(names = "--rounds", defaultValue = "1", description = {
            "Measure every workload this many times, in rounds after the warm-up, and show each figure's median;",
            "the log and JSON keep every round's figure (default: ${DEFAULT-VALUE})."})
    int rounds;

    @Option(names = "--idle-seconds", defaultValue = "0", description = {
            "Leave both clusters idle this long before each measured workload, to see what a cluster that sat",
            "idle loses (default: ${DEFAULT-VALUE})."})
    long idleSeconds;

    @Option(names = "--target-leader", description = {
            "Send every workload to each cluster's leader, as etcd's benchmark --target-leader does. By default the",
            "clients spread over all members, whose followers forward writes to the leader."})
    boolean targetLeader;

    @Option(names = "--workloads", split = ",", paramLabel = "ID",
            description = "Only these workloads: put-100, put-1000, put-1-p50, range-l, range-s, watch (default: all).")
    List<String> workloads;

    @Option(names = "--json", paramLabel = "FILE", description = "Results JSON (default: bench-results/compare-<time>.json).")
    Path json;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|on|off",
            description = "Progress bars on stderr (default: ${DEFAULT-VALUE}).")
    String progress;

    private static final String[] TABLE_HEADER = {"workload", "etcd", "hawser", "ratio (hawser/etcd)"};
    /** The main table also shows how far the ratio moved from one round's pair to the next. */
    private static final String[] FIGURE_TABLE_HEADER = {"workload", "etcd", "hawser", "ratio (hawser/etcd)",
        "ratio by round"};

    /** One row of the table: how to get the number out of a side's results. */
    private record Metric(String id, String label, boolean higherIsBetter, String format) {
    }

    private static final List<Metric> METRICS = List.of(
            new Metric("put-100", "put, 100 clients / 10 conns (req/s, higher is better)", true, "%,.0f"),
            new Metric("put-1000", "put, 1000 clients / 100 conns (req/s, higher is better)", true, "%,.0f"),
            new Metric("put-1-p50", "put, 1 client: p50 latency (ms, lower is better)", false, "%.2f"),
            new Metric("range-l", "range linearizable, 100 clients (req/s, higher is better)", true, "%,.0f"),
            new Metric("range-s", "range serializable, 100 clients (req/s, higher is better)", true, "%,.0f"),
            new Metric("watch", "watch fan-out (events/s delivered, higher is better)", true, "%,.0f"));

    @Override
    public Integer call() throws Exception {
        Validation v = new Validation(spec.commandLine());
        validate(v);
        PrintWriter out = spec.commandLine().getOut();
        boolean ownDir = workDir == null;
        Path dir = ownDir ? Files.createTempDirectory("hawser-compare-") : workDir;
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("tool", "hawser bench compare");
        doc.put("startedAt", Instant.now().toString());
        doc.put("cores", Runtime.getRuntime().availableProcessors());
        doc.put("loadAverageAtStart", loadAverage());
        doc.put("params", params());
        List<Side> sides = new ArrayList<>();
        try {
            if (!only.equals("hawser")) {
                requireEtcd();
                sides.add(new Side("etcd", name -> List.of(etcdBinary), dir.resolve("etcd"), basePort,
                        "fsync on, etcd's default", out));
            }
            if (!only.equals("etcd")) {
                List<String> prefix = hawserPrefix();
                sides.add(new Side("hawser", name -> withJfr(prefix, name), dir.resolve("hawser"), basePort + 9,
                        "Ratis log fsync", out));
            }
            for (Side side : sides) {
                side.start(out);
            }
            // Hawser's pass first in each turn: its JVMs go on compiling for a while after the load stops, and that
            // should happen while etcd warms up, not while etcd is measured.
            List<Side> warmUpOrder = new ArrayList<>(sides);
            Collections.reverse(warmUpOrder);
            warmUp(warmUpOrder, out);
            measureRounds(sides, out);
            for (Side side : sides) {
                side.finish(out);
            }
        } finally {
            for (Side side : sides) {
                side.close();
            }
            if (ownDir && !keepData) {
                deleteTree(dir);
            } else {
                out.println("data and logs kept in " + dir);
            }
        }
        doc.put("loadAverageAtEnd", loadAverage());
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String[]> table = new ArrayList<>();
        List<String[]> cpuTable = new ArrayList<>();
        List<String[]> switchTable = new ArrayList<>();
        List<String[]> segmentTable = new ArrayList<>();
        Map<String, Object> details = new LinkedHashMap<>();
        sides.forEach(side -> details.put(side.name, side.details));
        SideResult etcdSide = resultOf(sides, "etcd");
        SideResult hawserSide = resultOf(sides, "hawser");
        for (Metric m : METRICS) {
            Double e = etcdSide.figure(m.id());
            Double h = hawserSide.figure(m.id());
            Double ratio = ratio(e, h);
            List<Double> pairRatios = pairRatios(etcdSide, hawserSide, m.id());
            Double ce = etcdSide.perOperation(m.id(), Usage.PerOperation::cpuMicros);
            Double ch = hawserSide.perOperation(m.id(), Usage.PerOperation::cpuMicros);
            Double se = etcdSide.perOperation(m.id(), Usage.PerOperation::threadSwitches);
            Double sh = hawserSide.perOperation(m.id(), Usage.PerOperation::threadSwitches);
            Double te = etcdSide.perOperation(m.id(), Usage.PerOperation::tcpSegments);
            Double th = hawserSide.perOperation(m.id(), Usage.PerOperation::tcpSegments);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("workload", m.id());
            row.put("label", m.label());
            row.put("etcd", e);
            row.put("hawser", h);
            row.put("ratio", ratio);
            row.put("higherIsBetter", m.higherIsBetter());
            row.put("etcdCpuMicrosPerOperation", ce);
            row.put("hawserCpuMicrosPerOperation", ch);
            row.put("etcdThreadSwitchesPerOperation", se);
            row.put("hawserThreadSwitchesPerOperation", sh);
            row.put("etcdTcpSegmentsPerOperation", te);
            row.put("hawserTcpSegmentsPerOperation", th);
            row.put("etcdRounds", etcdSide.rounds(m.id()));
            row.put("hawserRounds", hawserSide.rounds(m.id()));
            row.put("ratioRounds", pairRatios);
            rows.add(row);
            cpuTable.add(costRow(m.id(), "%,.0f", ce, ch, details));
            switchTable.add(costRow(m.id(), "%,.1f", se, sh, details));
            segmentTable.add(costRow(m.id(), "%,.2f", te, th, details));
            table.add(new String[] {m.label(), cell(m.format(), e, failed(details, "etcd", m.id())),
                    cell(m.format(), h, failed(details, "hawser", m.id())),
                    ratioCell(ratio), rangeCell(pairRatios)});
        }
        doc.put("rows", rows);
        doc.put("details", details);
        out.println();
        out.printf(Locale.ROOT, "etcd 3.4 vs Hawser, 3 members each on loopback, %d cores, load average %s at start, %s at end%n",
                Runtime.getRuntime().availableProcessors(), doc.get("loadAverageAtStart"), doc.get("loadAverageAtEnd"));
        printTable(out, FIGURE_TABLE_HEADER, table);
        // The members share the client's cores, so CPU time per operation tells what a figure cost, apart from
        // how the run's CPU was divided between the members and the client.
        out.println("Members' CPU time per operation (microseconds, all 3 members, lower is better; operations are "
                + "requests, or events delivered for watch)");
        printTable(out, cpuTable);
        // Most of a small write's CPU goes to moving messages between threads and processes: these two say how many.
        out.println("Members' thread switches per operation (all 3 members' threads, voluntary and involuntary)");
        printTable(out, switchTable);
        out.println("TCP segments sent per operation (the whole host: client and members, acknowledgements included)");
        printTable(out, segmentTable);
        printIdleShares(out, sides);
        Path file = json != null ? json : Path.of("bench-results", "compare-" + LocalDateTime.now().format(STAMP) + ".json");
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Results.JSON.writeValue(file.toFile(), doc);
        out.println("wrote " + file);
        out.flush();
        return 0;
    }

    private void validate(Validation v) {
        if (!List.of("both", "etcd", "hawser").contains(only)) {
            v.fail("--only must be both, etcd or hawser (got '" + only + "')");
        }
        if (basePort < 1024 || basePort + 18 > 32768) {
            v.fail("--base-port must be in 1024..32750 so that all 18 ports stay below 32768 (got " + basePort + ")");
        }
        v.atLeast("--put-total", putTotal, 1);
        v.atLeast("--latency-total", latencyTotal, 1);
        v.atLeast("--range-total", rangeTotal, 1);
        v.atLeast("--watchers", watchers, 10);
        v.atLeast("--watch-puts", watchPuts, 1);
        v.atLeast("--warmup-seconds", warmupSeconds, 0);
        v.atLeast("--max-seconds", maxSeconds, 1);
        v.atLeast("--rounds", rounds, 1);
        v.atLeast("--idle-seconds", idleSeconds, 0);
        if (workloads != null) {
            for (String w : workloads) {
                if (METRICS.stream().noneMatch(m -> m.id().equals(w))) {
                    v.fail("--workloads: unknown workload '" + w + "' (known: "
                            + METRICS.stream().map(Metric::id).collect(Collectors.joining(", ")) + ")");
                }
            }
        }
        OutputOptions o = OutputOptions.none();
        o.progress = progress;
        o.validate(v);
    }

    private Map<String, Object> params() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("putTotal", putTotal);
        p.put("latencyTotal", latencyTotal);
        p.put("rangeTotal", rangeTotal);
        p.put("watchers", watchers);
        p.put("watchPuts", watchPuts);
        p.put("warmupSeconds", warmupSeconds);
        p.put("warmupScale", WARMUP_SCALE);
        p.put("maxSeconds", maxSeconds);
        p.put("rounds", rounds);
        p.put("idleSeconds", idleSeconds);
        p.put("targetLeader", targetLeader);
        p.put("keySize", 8);
        p.put("valSize", 256);
        p.put("keySpaceSize", KEY_SPACE);
        p.put("hawserJvmOpts", hawserJvmOpts);
        p.put("etcdBinary", etcdBinary);
        return p;
    }

    /** One workload of a side: runs it at {@code scale} times its size, records its details, returns its figure. */
    @FunctionalInterface
    private interface Step {
        Figure run(List<String> endpoints, Map<String, Object> details, double scale) throws Exception;
    }

    /**
     * A workload's outcome: the table's number, and how many operations it completed (requests, or watch events
     * delivered), which the members' CPU time is divided by.
     */
    private record Figure(double value, long operations) {
        static Figure rate(RunResult r) {
            return new Figure(r.requestsPerSec(), r.requests());
        }

        static Figure medianLatency(RunResult r) {
            return new Figure(r.latency().at(50), r.requests());
        }
    }

    /**
     * A side's figure of each round by workload, and what an operation cost in each round; the tables show their
     * medians.
     */
    private record SideResult(Map<String, Map<Integer, Double>> figures, Map<String, List<Usage.PerOperation>> costRounds) {
        static final SideResult NONE = new SideResult(Map.of(), Map.of());

        /** The median of the workload's rounds, or null when none of them gave a figure. */
        Double figure(String id) {
            return figures.containsKey(id) ? median(rounds(id)) : null;
        }

        /** The workload's figures in round order, without the rounds that failed. */
        List<Double> rounds(String id) {
            return List.copyOf(byRound(id).values());
        }

        /** The workload's figure by round number. */
        Map<Integer, Double> byRound(String id) {
            return figures.getOrDefault(id, Map.of());
        }

        /** The median over the workload's rounds of one count per operation, or null when no round had it. */
        Double perOperation(String id, Function<Usage.PerOperation, Double> count) {
            List<Double> values = costRounds.getOrDefault(id, List.of()).stream().map(count)
                    .filter(Objects::nonNull).toList();
            return values.isEmpty() ? null : median(values);
        }
    }

    /** The median; of an even count, the mean of the middle two. */
    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Warm-up runs are this fraction of the measured ones, so that each workload comes round several times. */
    private static final double WARMUP_SCALE = 0.25;

    private static long scaled(long total, double scale) {
        return Math.max(1, Math.round(total * scale));
    }

    /**
     * One cluster under test: its workloads, its members once started, and each round's figures. Both sides are up
     * for the whole run, so that their rounds can alternate (see {@link #measureRounds}).
     */
    private final class Side implements AutoCloseable {
        final String name;
        final Map<String, Object> details = new LinkedHashMap<>();
        final Map<String, Step> steps;
        /** Each workload's figure by round, in round order; a round that failed has none. */
        final Map<String, Map<Integer, Double>> figures = new LinkedHashMap<>();
        final Map<String, List<Usage.PerOperation>> costs = new LinkedHashMap<>();
        /** Round 1 records into {@link #details} itself, as a single round always has; later rounds here. */
        private final List<Map<String, Object>> laterRounds = new ArrayList<>();
        private final LocalCluster.Launcher launcher;
        private final Path dir;
        private final int basePort;
        private final String durability;
        private LocalCluster cluster;
        private List<String> eps;
        /** The members' CPU time, and the time that passed, while the other side was being measured. */
        private long idleCpuNanos;
        private long idleNanos;

        Side(String name, LocalCluster.Launcher launcher, Path dir, int basePort, String durability, PrintWriter out) {
            this.name = name;
            this.launcher = launcher;
            this.dir = dir;
            this.basePort = basePort;
            this.durability = durability;
            this.steps = steps(name, out);
            steps.keySet().removeIf(id -> workloads != null && !workloads.contains(id));
        }

        void start(PrintWriter out) throws InterruptedException {
            out.println("== " + name + ": 3 members, data under " + dir + " (" + durability + ")");
            out.flush();
            cluster = LocalCluster.start(name, launcher, dir, basePort, 3);
            long t0 = System.nanoTime();
            cluster.awaitReady(Duration.ofSeconds(90));
            details.put("readySeconds", (System.nanoTime() - t0) / 1e9);
            details.put("pids", cluster.pids());
            eps = cluster.endpoints();
        }

        Map<String, Object> detailsOfRound(int round) {
            if (round == 1) {
                return details;
            }
            while (laterRounds.size() < round - 1) {
                laterRounds.add(new LinkedHashMap<>());
            }
            return laterRounds.get(round - 2);
        }

        /** Runs one workload once at full size and adds its figure, and what an operation cost, to the lists. */
        void measureOnce(String id, int round, PrintWriter out) throws Exception {
            Map<String, Object> d = detailsOfRound(round);
            try {
                // A workload that broke the cluster (lost leader, stalled member) must not take the rest with it.
                cluster.awaitReady(Duration.ofSeconds(30));
                Usage before = cluster.usage();
                Figure f = steps.get(id).run(eps, d, 1.0);
                Usage.PerOperation cost = cluster.usage().since(before, f.operations());
                figures.computeIfAbsent(id, k -> new LinkedHashMap<>()).put(round, f.value());
                costs.computeIfAbsent(id, k -> new ArrayList<>()).add(cost);
                if (cost.cpuMicros() != null) {
                    log(out, name, String.format(Locale.ROOT, "%s: members' CPU %.0f us, %s thread switches, %s TCP "
                            + "segments per operation", id, cost.cpuMicros(), cell("%.1f", cost.threadSwitches(), false),
                            cell("%.1f", cost.tcpSegments(), false)));
                }
            } catch (BenchException e) {
                d.put(id + "-failure", e.getMessage());
                log(out, name, id + " FAILED: " + e.getMessage());
            }
        }

        void addIdle(long cpuNanos, long nanos) {
            if (cpuNanos >= 0) {
                idleCpuNanos += cpuNanos;
                idleNanos += nanos;
            }
        }

        /** The cores the members kept busy while idle, or null if never measured idle. */
        Double idleCores() {
            return idleNanos == 0 ? null : (double) idleCpuNanos / idleNanos;
        }

        void finish(PrintWriter out) {
            if (rounds > 1) {
                details.put("laterRounds", laterRounds);
                for (Map.Entry<String, Map<Integer, Double>> e : figures.entrySet()) {
                    String id = e.getKey();
                    List<Double> values = List.copyOf(e.getValue().values());
                    log(out, name, String.format(Locale.ROOT, "%s: median %.2f over %d of %d rounds, %.2f to %.2f", id,
                            median(values), values.size(), rounds, Collections.min(values), Collections.max(values)));
                }
            }
            if (idleCores() != null) {
                details.put("idleCoresWhileOtherMeasured", idleCores());
            }
            details.put("rssMegabytesAtEnd", cluster.rssMegabytes());
        }

        SideResult result() {
            return new SideResult(figures, costs);
        }

        @Override
        public void close() {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private static SideResult resultOf(List<Side> sides, String name) {
        return sides.stream().filter(s -> s.name.equals(name)).findFirst().map(Side::result).orElse(SideResult.NONE);
    }

    /**
     * Measures every workload {@code --rounds} times. Each workload runs on one side and then at once on the other,
     * so that the two figures of a pair see the same state of the host, which on shared cores drifts by 20-50% within
     * an hour; which side goes first alternates from round to round. The side not being measured sits idle, and
     * what its members use meanwhile is recorded (see {@link #printIdleShares}).
     */
    private void measureRounds(List<Side> sides, PrintWriter out) throws Exception {
        if (sides.isEmpty()) {
            return;
        }
        Set<String> ids = sides.get(0).steps.keySet();
        for (int round = 1; round <= rounds; round++) {
            List<Side> order = new ArrayList<>(sides);
            if (round % 2 == 0) {
                Collections.reverse(order);
            }
            if (rounds > 1) {
                log(out, order.stream().map(s -> s.name).collect(Collectors.joining(", then ")),
                        "round " + round + " of " + rounds);
            }
            for (String id : ids) {
                for (Side side : order) {
                    if (idleSeconds > 0) {
                        log(out, side.name, "idle for " + idleSeconds + " s before " + id);
                        Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
                    }
                    List<Side> idle = sides.stream().filter(s -> s != side).toList();
                    List<Usage> idleBefore = idle.stream().map(s -> s.cluster.usage()).toList();
                    long t0 = System.nanoTime();
                    side.measureOnce(id, round, out);
                    long nanos = System.nanoTime() - t0;
                    for (int i = 0; i < idle.size(); i++) {
                        idle.get(i).addIdle(idle.get(i).cluster.usage().cpuNanosSince(idleBefore.get(i)), nanos);
                    }
                }
            }
        }
    }

    /** How much CPU each cluster's idle members took from the one being measured (heartbeats, timers, compaction). */
    private static void printIdleShares(PrintWriter out, List<Side> sides) {
        List<String> shares = sides.stream().filter(s -> s.idleCores() != null)
                .map(s -> String.format(Locale.ROOT, "%s %.1f%%", s.name, 100 * s.idleCores())).toList();
        if (!shares.isEmpty()) {
            out.println("Both clusters stay up and their workloads alternate; while the other was measured, each one's "
                    + "idle members used (percent of one core): " + String.join(", ", shares));
        }
    }

    private Map<String, Step> steps(String side, PrintWriter out) {
        Map<String, Step> steps = new LinkedHashMap<>();
        steps.put("put-100", (eps, d, k) -> Figure.rate(record(out, side, d, "put-100",
                put(eps, side + " put-100", 10, 100, scaled(putTotal, k)))));
        steps.put("put-1000", (eps, d, k) -> Figure.rate(record(out, side, d, "put-1000",
                put(eps, side + " put-1000", 100, 1000, scaled(putTotal, k)))));
        steps.put("put-1-p50", (eps, d, k) -> singleClientPut(eps, side, d, out, scaled(latencyTotal, k)));
        steps.put("range-l", (eps, d, k) -> {
            seedRangeKey(eps);
            return Figure.rate(record(out, side, d, "range-l", range(eps, side + " range-l", "l", k)));
        });
        steps.put("range-s", (eps, d, k) -> Figure.rate(record(out, side, d, "range-s",
                range(eps, side + " range-s", "s", k))));
        steps.put("watch", (eps, d, k) -> {
            WatchBench.Outcome w = watch(eps, side + " watch", k);
            Map<String, Object> wd = w.figures();
            wd.put("create", w.create());
            wd.put("puts", w.puts());
            wd.put("events", w.events());
            d.put("watch", wd);
            log(out, side, String.format(Locale.ROOT, "%s: %d/%d events, %.0f events/s, %.1f events per response, "
                    + "event p99 %.1f ms", w.events().name(), w.received(), w.expected(), w.eventsPerSec(),
                    w.eventsPerResponse(), w.events().latency().at(99)));
            if (w.received() < w.expected()) {
                throw new BenchException("only " + w.received() + " of " + w.expected() + " events arrived");
            }
            return new Figure(w.eventsPerSec(), w.received());
        });
        return steps;
    }

    /**
     * Runs the workloads round and round, smaller and unreported, for {@code --warmup-seconds} per side, the sides
     * in turns (see {@link WarmUpTurns}). A JVM server interprets and then compiles its hot paths during its first
     * minutes of load; on two cores shared by three members and the client that takes long enough to dominate
     * short runs. Both clusters get the same warm-up, so the table compares warm servers, as a long-running
     * cluster is.
     */
    private void warmUp(List<Side> sides, PrintWriter out) throws Exception {
        if (warmupSeconds == 0) {
            return;
        }
        String turns = sides.size() > 1 ? ", in turns with the other side" : "";
        for (Side side : sides) {
            log(out, side.name, "warm-up: the workloads at " + WARMUP_SCALE + "x their size, round and round for "
                    + warmupSeconds + " s" + turns + " (not reported)");
        }
        // Kept in the JSON: the first pass shows the cold figures, the later ones how far from steady the cluster was.
        Map<Side, List<Map<String, Object>>> runs = new IdentityHashMap<>();
        Map<Side, Long> taken = WarmUpTurns.run(sides, TimeUnit.SECONDS.toNanos(warmupSeconds), (side, nanosLeft) ->
                warmUpPass(side, nanosLeft, runs.computeIfAbsent(side, s -> new ArrayList<>()), out));
        for (Side side : sides) {
            side.details.put("warmupRuns", runs.getOrDefault(side, List.of()));
            side.details.put("warmupSecondsTaken", taken.getOrDefault(side, 0L) / 1e9);
        }
    }

    /** One pass of a side's workloads at the warm-up's size, cut short when its warm-up time is up. */
    private long warmUpPass(Side side, long nanosLeft, List<Map<String, Object>> runs, PrintWriter out)
            throws Exception {
        long start = System.nanoTime();
        long end = start + nanosLeft;
        for (Step step : side.steps.values()) {
            if (System.nanoTime() >= end) {
                break;
            }
            try {
                side.cluster.awaitReady(Duration.ofSeconds(30));
                Map<String, Object> run = new LinkedHashMap<>();
                step.run(side.eps, run, WARMUP_SCALE);
                runs.add(run);
            } catch (BenchException e) {
                log(out, side.name + " warm-up", e.getMessage());
            }
        }
        return System.nanoTime() - start;
    }

    private static RunResult record(PrintWriter out, String side, Map<String, Object> details, String id, RunResult r) {
        details.put(id, r);
        log(out, side, summary(r));
        if (!r.errorKinds().isEmpty()) {
            log(out, side, "  errors: " + r.errorKinds());
        }
        if (r.errors() > r.requests() / 100) {
            throw new BenchException(r.errors() + " of " + (r.errors() + r.requests()) + " requests failed: "
                    + r.errorKinds().keySet());
        }
        return r;
    }

    /**
     * The 1-client put latency. At the leader it is one run. Spread, it is one run with the client on each member in
     * turn, their latencies pooled: a lone client lands on whichever member its endpoint list puts first, leader
     * or follower by the luck of the election, so one run would measure a coin flip (a follower's write takes a
     * hop to the leader on both sides). Pooled, two thirds of the samples are a follower's, as for many clients.
     */
    private Figure singleClientPut(List<String> eps, String side, Map<String, Object> details, PrintWriter out,
                                   long total) throws Exception {
        if (targetLeader) {
            return Figure.medianLatency(record(out, side, details, "put-1", put(eps, side + " put-1", 1, 1, total)));
        }
        Histogram pooled = null;
        for (int i = 0; i < eps.size(); i++) {
            String id = "put-1@" + (i + 1);
            RunResult r = record(out, side, details, id,
                    put(eps.subList(i, i + 1), side + " " + id, 1, 1, Math.max(1, total / eps.size())));
            if (pooled == null) {
                pooled = r.histogram().copy();
            } else {
                pooled.add(r.histogram());
            }
        }
        Figure f = new Figure(pooled.getValueAtPercentile(50) / 1e6, pooled.getTotalCount());
        log(out, side, String.format(Locale.ROOT, "put-1, the members pooled: p50 %.2f ms", f.value()));
        return f;
    }

    private RunResult put(List<String> eps, String name, int conns, int clients, long total) throws Exception {
        PutCommand c = new PutCommand();
        c.keySize = 8;
        c.valSize = 256;
        c.keySpaceSize = KEY_SPACE;
        c.sequentialKeys = true;
        return measure(c, eps, name, conns, clients, total);
    }

    private RunResult range(List<String> eps, String name, String consistency, double scale) throws Exception {
        RangeCommand c = new RangeCommand();
        c.key = RANGE_KEY;
        c.consistency = consistency;
        return measure(c, eps, name, 10, 100, scaled(rangeTotal, scale));
    }

    private RunResult measure(LoadCommand c, List<String> eps, String name, int conns, int clients, long total)
            throws Exception {
        c.connection = new ConnectionOptions().with(eps, conns, targetLeader);
        c.run = RunOptions.of(clients, total, Duration.ofSeconds(maxSeconds), 0);
        c.output = OutputOptions.none();
        c.output.progress = progress;
        try (Connections conns2 = c.connection.open(new Validation(spec.commandLine()))) {
            return c.measure(conns2, name);
        }
    }

    private WatchBench.Outcome watch(List<String> eps, String name, double scale) throws Exception {
        WatchCommand c = new WatchCommand();
        c.connection = new ConnectionOptions().with(eps, 10, targetLeader);
        c.output = OutputOptions.none();
        c.output.progress = progress;
        c.watchers = watchers;
        c.streams = 10;
        c.watchedKeyTotal = 1;
        c.putTotal = scaled(watchPuts, scale);
        c.putRate = 0.0;
        c.putClients = 10;
        c.keySize = 32;
        c.valSize = 32;
        c.drainTimeout = Duration.ofSeconds(maxSeconds);
        try (Connections conns = c.connection.open(new Validation(spec.commandLine()))) {
            return c.measure(conns, name);
        }
    }

    private void seedRangeKey(List<String> eps) {
        try (Connections conns = Connections.open(List.of(Endpoint.parse(eps.get(0))), 1, false, Duration.ofSeconds(5))) {
            KVGrpc.newBlockingStub(conns.channel(0)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(RANGE_KEY))
                            .setValue(Keys.randomValue(256)).build());
        }
    }

    private List<String> hawserPrefix() {
        String cp = hawserClasspath != null ? hawserClasspath : ownClasspathWithoutBench();
        boolean hasStore = Arrays.stream(cp.split(File.pathSeparator))
                .anyMatch(e -> e.contains("hawser-kvstore") || e.contains("kvstore" + File.separator + "target"));
        if (!hasStore) {
            throw new BenchException("the Hawser classpath holds no hawser-kvstore (build with ./mvnw package, or "
                    + "pass --hawser-classpath)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (!hawserJvmOpts.isBlank()) {
            cmd.addAll(List.of(hawserJvmOpts.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-cp", cp, "dev.hawser.kvstore.cli.Main", "store"));
        return cmd;
    }

    private List<String> withJfr(List<String> prefix, String member) {
        if (jfrDir == null) {
            return prefix;
        }
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(1, "-XX:StartFlightRecording=filename=" + jfrDir.toAbsolutePath().resolve(member + ".jfr")
                + ",settings=profile,dumponexit=true");
        try {
            Files.createDirectories(jfrDir);
        } catch (IOException e) {
            throw new BenchException("cannot create " + jfrDir + ": " + e.getMessage());
        }
        return cmd;
    }

    /** This JVM's classpath less the bench module's own classes (its logback.xml must not reach the members). */
    private static String ownClasspathWithoutBench() {
        String self;
        try {
            self = Path.of(CompareCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (Exception e) {
            self = "";
        }
        String me = self;
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.equals(me) && !e.endsWith("test-classes") && !e.contains("hawser-bench"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private void requireEtcd() throws InterruptedException {
        try {
            Process p = new ProcessBuilder(etcdBinary, "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new BenchException(etcdBinary + " --version failed");
            }
        } catch (IOException e) {
            throw new BenchException("cannot run '" + etcdBinary + "' (install etcd-server or pass --etcd-binary): "
                    + e.getMessage());
        }
    }

    private static String summary(RunResult r) {
        return String.format(Locale.ROOT, "%s: %d ok, %d errors, %.0f req/s, p50 %.2f ms, p99 %.2f ms", r.name(),
                r.requests(), r.errors(), r.requestsPerSec(), r.latency().at(50), r.latency().at(99));
    }

    private static void log(PrintWriter out, String side, String line) {
        out.println(LocalTime.now().format(CLOCK) + " [" + side + "] " + line);
        out.flush();
    }

    private static Double ratio(Double etcd, Double hawser) {
        return etcd != null && hawser != null && etcd > 0 ? hawser / etcd : null;
    }

    /** A row of a cost table: the workload, each side's count per operation and their ratio. */
    private static String[] costRow(String id, String format, Double etcd, Double hawser, Map<String, Object> details) {
        return new String[] {id, cell(format, etcd, failed(details, "etcd", id)),
                cell(format, hawser, failed(details, "hawser", id)), ratioCell(ratio(etcd, hawser))};
    }

    private static void printTable(PrintWriter out, List<String[]> rows) {
        printTable(out, TABLE_HEADER, rows);
    }

    private static void printTable(PrintWriter out, String[] header, List<String[]> rows) {
        out.println(AsciiTable.getTable(AsciiTable.BASIC_ASCII_NO_DATA_SEPARATORS, header, null,
                rows.toArray(new String[0][])));
    }

    /**
     * Hawser's figure over etcd's for each round in which both gave one. The two figures of a round were measured
     * back to back, so the host's drift between rounds cancels out of each ratio, and their spread shows how much
     * of the table's ratio is noise.
     */
    static List<Double> pairRatios(Map<Integer, Double> etcdRounds, Map<Integer, Double> hawserRounds) {
        List<Double> ratios = new ArrayList<>();
        etcdRounds.forEach((round, e) -> {
            Double r = ratio(e, hawserRounds.get(round));
            if (r != null) {
                ratios.add(r);
            }
        });
        return ratios;
    }

    private static List<Double> pairRatios(SideResult etcd, SideResult hawser, String id) {
        return pairRatios(etcd.byRound(id), hawser.byRound(id));
    }

    /** "lowest-highest" of two or more ratios, else "-". */
    static String rangeCell(List<Double> ratios) {
        if (ratios.size() < 2) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f-%.2f", Collections.min(ratios), Collections.max(ratios));
    }

    private static String ratioCell(Double ratio) {
        return ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", ratio);
    }

    /** The number, "failed" if the workload ran and failed, "-" if it did not run. */
    private static String cell(String format, Double value, boolean failed) {
        return value != null ? String.format(Locale.ROOT, format, value) : failed ? "failed" : "-";
    }

    private static boolean failed(Map<String, Object> details, String side, String id) {
        return details.get(side) instanceof Map<?, ?> d && d.containsKey(id + "-failure");
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it is a temp directory
        }
    }
}
