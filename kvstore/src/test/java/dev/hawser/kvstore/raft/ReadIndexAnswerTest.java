package dev.hawser.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.proto.raft.LeaderQueryResponse;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** A follower's linearizable read waits for the index the leader confirmed, and for nothing else. */
class ReadIndexAnswerTest {
    @Test
    void aConfirmedIndexIsWhatTheReaderWaitsFor() {
        assertEquals(42, RaftNode.readIndexOf(LeaderQueryResponse.newBuilder().setReadIndex(42).build()));
    }

    @Test
    void aMemberThatNoLongerLeadsFailsTheReadInsteadOfLettingItServeStaleData() {
        LeaderQueryResponse deposed = LeaderQueryResponse.newBuilder()
                .setError(Applier.error(EtcdError.NOT_LEADER)).build();
        assertEquals(EtcdError.LEADER_CHANGED, errorOf(deposed));
    }

    @Test
    void aLeaderThatCouldNotConfirmItsLeadershipFailsTheReadWithItsOwnError() {
        LeaderQueryResponse unconfirmed = LeaderQueryResponse.newBuilder()
                .setError(Applier.error(EtcdError.TIMEOUT)).build();
        assertEquals(EtcdError.TIMEOUT, errorOf(unconfirmed));
    }

    private static EtcdError errorOf(LeaderQueryResponse answer) {
        CompletionException e = assertThrows(CompletionException.class, () -> RaftNode.readIndexOf(answer));
        return ((EtcdException) e.getCause()).error();
    }
}
