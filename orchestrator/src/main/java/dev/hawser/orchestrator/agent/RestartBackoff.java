package dev.hawser.orchestrator.agent;

import java.time.Duration;

/**
 * The kubelet's crash-loop back-off for one container: the first crash restarts at once, each further
 * one waits twice as long (base 10 s, cap 5 min), and an instance that ran for {@code resetAfter}
 * (10 min) counts as healthy, so its exit starts the sequence again.
 */
final class RestartBackoff {
    private final Duration base;
    private final Duration max;
    private final Duration resetAfter;
    private int crashes;

    RestartBackoff(Duration base, Duration max, Duration resetAfter) {
        this.base = base;
        this.max = max;
        this.resetAfter = resetAfter;
    }

    /** Records the exit of an instance that ran for {@code ran}; returns how long to wait before the next start. */
    Duration onExit(Duration ran) {
        if (ran.compareTo(resetAfter) >= 0) {
            crashes = 0;
        }
        crashes++;
        if (crashes == 1) {
            return Duration.ZERO;
        }
        long millis = base.toMillis() << Math.min(crashes - 2, 30);
        return millis <= 0 || millis > max.toMillis() ? max : Duration.ofMillis(millis);
    }
}
