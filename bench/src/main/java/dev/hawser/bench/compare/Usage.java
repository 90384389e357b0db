package dev.hawser.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What a cluster's members have used so far, read from the OS: their CPU time, their threads' switches and the TCP
 * segments this host has sent. Two readings around a workload, divided by its operations, say what one operation
 * cost, whatever share of the cores the members got. Each count is -1 where the OS does not tell it (not Linux).
 *
 * <p>Thread switches are the members' voluntary and involuntary switches summed over their live threads (a thread
 * that exits takes its count with it). TCP segments are the whole host's, the client's and the members' together,
 * so they count the workload's messages on both sides of each loopback connection, acknowledgements included.
 */
public record Usage(long cpuNanos, long threadSwitches, long tcpSegmentsSent) {
    private static final Path SNMP = Path.of("/proc/net/snmp");

    static Usage of(List<Process> processes) {
        return new Usage(membersCpuNanos(processes), membersThreadSwitches(processes), hostTcpSegmentsSent());
    }

    /** What was used since {@code before}, per operation; a count either reading lacks stays null. */
    public PerOperation since(Usage before, long operations) {
        return new PerOperation(per(before.cpuNanos, cpuNanos, operations * 1e3),
                per(before.threadSwitches, threadSwitches, operations),
                per(before.tcpSegmentsSent, tcpSegmentsSent, operations));
    }

    /** The members' CPU time since {@code before}, or -1 where the OS does not tell it. */
    public long cpuNanosSince(Usage before) {
        return before.cpuNanos < 0 || cpuNanos < 0 ? -1 : cpuNanos - before.cpuNanos;
    }

    /** Members' CPU in microseconds, members' thread switches and the host's TCP segments, each per operation. */
    public record PerOperation(Double cpuMicros, Double threadSwitches, Double tcpSegments) {
    }

    private static Double per(long before, long after, double divisor) {
        return before < 0 || after < 0 || divisor <= 0 ? null : (after - before) / divisor;
    }

    private static long membersCpuNanos(List<Process> processes) {
        long total = 0;
        for (Process p : processes) {
            Optional<Duration> cpu = p.info().totalCpuDuration();
            if (cpu.isEmpty()) {
                return -1;
            }
            total += cpu.get().toNanos();
        }
        return total;
    }

    private static long membersThreadSwitches(List<Process> processes) {
        long total = 0;
        for (Process p : processes) {
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(p.pid()), "task"))) {
                for (Path task : tasks.toList()) {
                    total += threadSwitchesOf(task.resolve("status"));
                }
            } catch (IOException e) {
                return -1;
            }
        }
        return total;
    }

    private static long threadSwitchesOf(Path status) {
        long n = 0;
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                    n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The thread exited between the listing and the read.
        }
        return n;
    }

    /** The {@code OutSegs} column of the {@code Tcp:} lines (a header line, then a line of values). */
    static long hostTcpSegmentsSent() {
        try {
            return outSegs(Files.readAllLines(SNMP));
        } catch (IOException e) {
            return -1;
        }
    }

    static long outSegs(List<String> snmp) {
        String[] header = null;
        for (String line : snmp) {
            if (!line.startsWith("Tcp:")) {
                continue;
            }
            String[] cells = line.trim().split("\\s+");
            if (header == null) {
                header = cells;
                continue;
            }
            for (int i = 1; i < header.length && i < cells.length; i++) {
                if (header[i].equals("OutSegs")) {
                    return Long.parseLong(cells[i]);
                }
            }
        }
        return -1;
    }
}
