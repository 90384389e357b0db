package dev.hawser.jepsen.report;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.fault.FaultEvent;
import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.Operation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A self-contained HTML page with one inline SVG: a row per client process, a bar per operation
 * from invocation to completion (green ok, grey fail, orange info, red when part of an anomaly),
 * and faults as shaded vertical bands with their description.
 */
final class Timeline {
    private static final int ROW = 14;
    private static final int LEFT = 140;
    private static final int WIDTH = 1400;

    private Timeline() {
    }

    static String html(RunReport r) {
        long end = 1;
        Map<String, List<Operation>> rows = new TreeMap<>();
        for (Map.Entry<String, List<Op>> e : r.histories().entrySet()) {
            for (Operation o : Operation.pair(e.getValue())) {
                rows.computeIfAbsent(e.getKey() + " p" + o.invoke().process(), k -> new ArrayList<>()).add(o);
                end = Math.max(end, o.completion() == null ? o.callNanos() : o.completion().nanos());
            }
        }
        for (FaultEvent f : r.faults()) {
            end = Math.max(end, f.endNanos());
        }
        Set<String> bad = new HashSet<>();
        for (CheckResult c : r.anomalies()) {
            c.subHistory().forEach(op -> bad.add(op.process() + "/" + op.nanos()));
        }
        double scale = (WIDTH - LEFT - 10) / (double) end;
        int height = 40 + rows.size() * ROW + 20;
        StringBuilder s = new StringBuilder();
        s.append("<!doctype html><html><head><meta charset='utf-8'><title>").append(esc(r.name()))
                .append("</title><style>body{font:12px sans-serif}text{font:10px monospace}</style></head><body>");
        s.append("<h2>").append(esc(r.name())).append("</h2><p>seed ").append(r.seed()).append(", ").append(r.nodes())
                .append(" nodes, workloads ").append(esc(String.valueOf(r.workloads()))).append(", faults ")
                .append(esc(String.valueOf(r.faultKinds()))).append(", ").append(r.operations()).append(" operations, ")
                .append(r.anomalies().isEmpty() ? "<b style='color:green'>no anomalies</b>"
                        : "<b style='color:red'>" + r.anomalies().size() + " anomalies</b>").append("</p>");
        s.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(WIDTH).append("' height='").append(height).append("'>");
        int i = 0;
        for (FaultEvent f : r.faults()) {
            double x = LEFT + f.startNanos() * scale;
            double w = Math.max(2, (f.endNanos() - f.startNanos()) * scale);
            s.append(String.format("<rect x='%.1f' y='0' width='%.1f' height='%d' fill='%s' opacity='0.25'><title>%s</title></rect>",
                    x, w, height, color(f.kind()), esc(f.detail())));
            s.append(String.format("<text x='%.1f' y='%d'>%s</text>", x + 2, 10 + (i++ % 3) * 10, esc(f.kind())));
        }
        for (int sec = 0; sec * 1e9 < end; sec += 10) {
            double x = LEFT + sec * 1e9 * scale;
            s.append(String.format("<line x1='%.1f' y1='30' x2='%.1f' y2='%d' stroke='#ddd'/><text x='%.1f' y='%d'>%ds</text>",
                    x, x, height - 15, x, height - 3, sec));
        }
        int y = 40;
        for (Map.Entry<String, List<Operation>> row : rows.entrySet()) {
            s.append("<text x='2' y='").append(y + 10).append("'>").append(esc(row.getKey())).append("</text>");
            for (Operation o : row.getValue()) {
                double x = LEFT + o.callNanos() * scale;
                long ret = o.completion() == null ? end : o.completion().nanos();
                double w = Math.max(1.5, (ret - o.callNanos()) * scale);
                String fill = o.completion() == null ? "#f90" : switch (o.completion().type()) {
                    case OK -> "#3a3";
                    case FAIL -> "#aaa";
                    default -> "#f90";
                };
                if (bad.contains(o.invoke().process() + "/" + o.invoke().nanos())) {
                    fill = "#e00";
                }
                s.append(String.format("<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s'><title>%s</title></rect>",
                        x, y, w, ROW - 3, fill, esc(o.invoke() + " => " + o.completion())));
            }
            y += ROW;
        }
        s.append("</svg><h3>Check results</h3><ul>");
        for (CheckResult c : r.results()) {
            s.append("<li>").append(c.verdict() == CheckResult.Verdict.OK ? "" : "<b>").append(esc(c.verdict() + " " + c.checker()
                    + " " + c.partition() + ": " + c.message())).append(c.verdict() == CheckResult.Verdict.OK ? "" : "</b>");
            if (!c.subHistory().isEmpty()) {
                s.append("<pre>");
                c.subHistory().forEach(op -> s.append(esc(op.toString())).append('\n'));
                s.append("</pre>");
            }
            s.append("</li>");
        }
        s.append("</ul><h3>Faults</h3><ul>");
        r.faults().forEach(f -> s.append("<li>").append(String.format("%.1fs-%.1fs ", f.startNanos() / 1e9, f.endNanos() / 1e9))
                .append(esc(f.detail())).append("</li>"));
        return s.append("</ul></body></html>").toString();
    }

    private static String color(String kind) {
        return switch (kind) {
            case "kill" -> "#c33";
            case "pause" -> "#36c";
            case "partition" -> "#c9c";
            case "member" -> "#393";
            default -> "#999";
        };
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
