package dev.hawser.bench.load;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * One PNG per run: the latency distribution on top (latency by percentile, with the x axis in "nines" (-log10(1-p)) so the
 * tail is visible), throughput and p99 latency over time below.
 */
public final class Plot {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 420;

    private Plot() {
    }

    public static void write(RunResult r, String title, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT * 2, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT * 2);
            distribution(r, title).paint(g, WIDTH, HEIGHT);
            g.translate(0, HEIGHT);
            overTime(r, title).paint(g, WIDTH, HEIGHT);
        } finally {
            g.dispose();
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private static XYChart distribution(RunResult r, String title) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title + ": latency distribution (" + r.latency().count() + " requests)")
                .xAxisTitle("percentile, in nines: 1 = p90, 2 = p99, 3 = p99.9, 4 = p99.99").yAxisTitle("latency (ms)").build();
        chart.getStyler().setLegendVisible(false);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        Histogram h = r.histogram();
        if (h != null && h.getTotalCount() > 0) {
            for (HistogramIterationValue v : h.percentiles(5)) {
                double p = v.getPercentileLevelIteratedTo();
                if (p >= 100.0 || p >= 99.9999) {
                    break;
                }
                xs.add(-Math.log10(1 - p / 100));
                ys.add(v.getValueIteratedTo() / 1e6);
            }
        }
        if (xs.isEmpty()) {
            xs.add(0.0);
            ys.add(0.0);
        }
        XYSeries s = chart.addSeries("latency", xs, ys);
        s.setMarker(SeriesMarkers.NONE);
        return chart;
    }

    private static XYChart overTime(RunResult r, String title) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title + ": throughput over time").xAxisTitle("seconds").yAxisTitle("requests/s").build();
        List<Double> t = new ArrayList<>();
        List<Double> rps = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        if (r.timeline().size() == 1) {
            // One interval alone draws no line: anchor it at the run's start.
            t.add(0.0);
            rps.add(0.0);
            p99.add(0.0);
        }
        for (TimelinePoint p : r.timeline()) {
            t.add(p.atSeconds());
            rps.add(p.requestsPerSec());
            p99.add(p.p99Ms());
        }
        if (t.isEmpty()) {
            t.add(0.0);
            rps.add(0.0);
            p99.add(0.0);
        }
        chart.addSeries("requests/s", t, rps).setMarker(SeriesMarkers.NONE);
        XYSeries tail = chart.addSeries("p99 latency (ms)", t, p99);
        tail.setMarker(SeriesMarkers.NONE);
        tail.setYAxisGroup(1);
        chart.setYAxisGroupTitle(1, "p99 latency (ms)");
        return chart;
    }

}
