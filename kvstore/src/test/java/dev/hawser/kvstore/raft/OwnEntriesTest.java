package dev.hawser.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class OwnEntriesTest {
    private final ClientId self = ClientId.randomId();
    private final OwnEntries entries = new OwnEntries(self);

    private static RaftClientRequest request(ClientId client, long callId) {
        return RaftClientRequest.newBuilder().setClientId(client).setServerId(RaftPeerId.valueOf("n1"))
                .setGroupId(RaftGroupId.randomId()).setCallId(callId).setMessage(Message.valueOf("x"))
                .setType(RaftClientRequest.writeRequestType()).build();
    }

    @Test
    void anEntryThatNeverReachedTheLogHasNoOutcomeToWaitFor() {
        assertNull(entries.outcome(7));
    }

    @Test
    void aLoggedEntryIsAnsweredWithWhatApplyingItProduced() {
        entries.onLogged(request(self, 7));
        CompletableFuture<OwnEntries.Applied> outcome = entries.outcome(7);
        assertFalse(outcome.isDone());
        Message answer = Message.valueOf("applied");
        entries.onApplied(self.toByteString(), 7, 42, answer);
        assertEquals(42, outcome.join().index());
        assertSame(answer, outcome.join().answer());
    }

    @Test
    void otherClientsEntriesAreNotTracked() {
        ClientId other = ClientId.randomId();
        entries.onLogged(request(other, 7));
        assertNull(entries.outcome(7));
        entries.onLogged(request(self, 7));
        entries.onApplied(other.toByteString(), 7, 42, Message.valueOf("theirs"));
        assertFalse(entries.outcome(7).isDone(), "another client's call 7 is not ours");
    }

    @Test
    void aSettledEntryIsForgotten() {
        entries.onLogged(request(self, 7));
        CompletableFuture<OwnEntries.Applied> outcome = entries.outcome(7);
        entries.forget(7);
        assertNull(entries.outcome(7));
        entries.onApplied(self.toByteString(), 7, 42, Message.valueOf("late"));
        assertFalse(outcome.isDone());
    }
}
