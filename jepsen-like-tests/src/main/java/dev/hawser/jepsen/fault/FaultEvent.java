package dev.hawser.jepsen.fault;

/** A fault as it happened: kind, what exactly, and when (run-relative nanos); end is when it was healed. */
public record FaultEvent(String kind, String detail, long startNanos, long endNanos) {
}
