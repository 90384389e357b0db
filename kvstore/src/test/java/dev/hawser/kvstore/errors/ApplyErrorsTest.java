package dev.hawser.kvstore.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.hawser.proto.raft.ApplyError;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/** What a member applied as an error reaches the client as the same etcd error, whichever member answers. */
class ApplyErrorsTest {
    @Test
    void everyEtcdErrorSurvivesTheTripThroughTheLog() {
        for (EtcdError e : EtcdError.values()) {
            ApplyError applied = ApplyError.newBuilder().setCode(e.code().value()).setMessage(e.message()).build();
            EtcdException back = assertInstanceOf(EtcdException.class, ApplyErrors.toException(applied));
            assertEquals(e, back.error());
        }
    }

    @Test
    void anErrorThisBuildDoesNotKnowKeepsItsCodeAndText() {
        // A newer member may apply an entry with an error an older one has no name for (a rolling upgrade).
        ApplyError applied = ApplyError.newBuilder()
                .setCode(Status.Code.FAILED_PRECONDITION.value()).setMessage("etcdserver: something new").build();
        StatusRuntimeException back = assertInstanceOf(StatusRuntimeException.class, ApplyErrors.toException(applied));
        assertEquals(Status.Code.FAILED_PRECONDITION, back.getStatus().getCode());
        assertEquals("etcdserver: something new", back.getStatus().getDescription());
    }
}
