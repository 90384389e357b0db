package dev.hawser.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {
    @Test
    void errorsOfOneCauseAreCountedAsOneKind() {
        LatencyRecorder r = new LatencyRecorder(0);
        r.error(Status.DEADLINE_EXCEEDED.withDescription("CallOptions deadline exceeded after 29.99s. "
                + "[closed=[], open=[[remote_addr=127.0.0.1/127.0.0.1:23802]]]").asRuntimeException(), 1);
        r.error(Status.DEADLINE_EXCEEDED.withDescription("CallOptions deadline exceeded after 30.01s. "
                + "[closed=[CANCELLED], committed=[remote_addr=127.0.0.1/127.0.0.1:23805]]").asRuntimeException(), 2);
        r.success(1_000_000, 3);
        RunResult result = r.finish("x", 3);
        assertEquals(2, result.errors());
        assertEquals(1, result.requests());
        assertEquals(1, result.errorKinds().size(), result.errorKinds().toString());
        assertEquals(2L, result.errorKinds().values().iterator().next());
    }
}
