package dev.hawser.jepsen.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.fault.FaultEvent;
import dev.hawser.jepsen.history.Op;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record of one run: configuration, faults, per-workload operation counts, every check
 * result and the anomalies (with their sub-histories). Written as report.json plus a
 * self-contained timeline.html under the run's directory.
 */
public record RunReport(String name, long seed, int nodes, List<String> workloads, List<String> faultKinds,
                        long durationMillis, List<FaultEvent> faults, Map<String, List<Op>> histories,
                        List<CheckResult> results) {

    public List<CheckResult> anomalies() {
        return results.stream().filter(r -> r.verdict() != CheckResult.Verdict.OK).toList();
    }

    public long operations() {
        return histories.values().stream().mapToLong(h -> h.stream().filter(Op::isInvoke).count()).sum();
    }

    public Map<String, Map<String, Long>> counts() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        histories.forEach((w, h) -> {
            Map<String, Long> c = new LinkedHashMap<>();
            for (Op op : h) {
                c.merge(op.type().name().toLowerCase(), 1L, Long::sum);
            }
            out.put(w, c);
        });
        return out;
    }

    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("seed", seed);
        json.put("nodes", nodes);
        json.put("workloads", workloads);
        json.put("faultKinds", faultKinds);
        json.put("durationMillis", durationMillis);
        json.put("operations", operations());
        json.put("counts", counts());
        json.put("faults", faults);
        json.put("valid", anomalies().isEmpty());
        List<Map<String, Object>> anomalies = new ArrayList<>();
        for (CheckResult r : anomalies()) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("checker", r.checker());
            a.put("verdict", r.verdict());
            a.put("partition", r.partition());
            a.put("message", r.message());
            a.put("subHistory", r.subHistory().stream().map(Op::toString).toList());
            anomalies.add(a);
        }
        json.put("anomalies", anomalies);
        json.put("results", results.stream().map(r -> r.verdict() + " " + r.checker() + " " + r.partition() + ": " + r.message()).toList());
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        m.writeValue(dir.resolve("report.json").toFile(), json);
        Files.writeString(dir.resolve("timeline.html"), Timeline.html(this));
        Map<String, Object> raw = new LinkedHashMap<>(histories);
        m.writeValue(dir.resolve("history.json").toFile(), raw);
        return dir;
    }
}
