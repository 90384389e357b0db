package dev.hawser.orchestrator.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RestartBackoffTest {
    private final RestartBackoff backoff = new RestartBackoff(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10));

    @Test
    void firstCrashRestartsAtOnceThenDoublesFromTheBaseUpToTheCap() {
        Duration quick = Duration.ofSeconds(1);
        assertEquals(Duration.ZERO, backoff.onExit(quick));
        assertEquals(Duration.ofSeconds(10), backoff.onExit(quick));
        assertEquals(Duration.ofSeconds(20), backoff.onExit(quick));
        assertEquals(Duration.ofSeconds(40), backoff.onExit(quick));
        assertEquals(Duration.ofSeconds(80), backoff.onExit(quick));
        assertEquals(Duration.ofSeconds(160), backoff.onExit(quick));
        assertEquals(Duration.ofMinutes(5), backoff.onExit(quick));
        for (int i = 0; i < 40; i++) {
            assertEquals(Duration.ofMinutes(5), backoff.onExit(quick));
        }
    }

    @Test
    void anInstanceThatRanTenMinutesResetsTheSequence() {
        backoff.onExit(Duration.ofSeconds(1));
        backoff.onExit(Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(20), backoff.onExit(Duration.ofSeconds(1)));
        assertEquals(Duration.ZERO, backoff.onExit(Duration.ofMinutes(10)));
        assertEquals(Duration.ofSeconds(10), backoff.onExit(Duration.ofSeconds(1)));
    }
}
