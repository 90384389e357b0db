package dev.hawser.kvstore.raft;

import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The write entries this member submitted to its own log as leader, from the moment Ratis logs one until its
 * answer is settled. Ratis answers "not leader" both for an entry it refused and for one it had logged when the
 * leadership went, and the next leader may still commit the latter: sent again, it would apply twice. So an
 * entry that reached the log is never sent again; its outcome is what this member applies for it, as etcd's
 * server answers a proposal that met an election once it applies it, or after a timeout.
 */
final class OwnEntries {
    /** What applying one of these entries produced, and where in the log. */
    record Applied(long index, Message answer) {
    }

    private final ByteString clientId;
    private final Map<Long, CompletableFuture<Applied>> logged = new ConcurrentHashMap<>();

    OwnEntries(ClientId clientId) {
        this.clientId = clientId.toByteString();
    }

    /** Ratis is about to log this request's entry (on the leader, under its log's lock). */
    void onLogged(RaftClientRequest request) {
        if (request.getClientId().toByteString().equals(clientId)) {
            logged.put(request.getCallId(), new CompletableFuture<>());
        }
    }

    /** This member applied an entry that the client {@code entryClientId} submitted as call {@code callId}. */
    void onApplied(ByteString entryClientId, long callId, long index, Message answer) {
        if (!logged.isEmpty() && entryClientId.equals(clientId)) {
            CompletableFuture<Applied> outcome = logged.get(callId);
            if (outcome != null) {
                outcome.complete(new Applied(index, answer));
            }
        }
    }

    /** The outcome of call {@code callId} if Ratis logged it, else null (it never reached the log). */
    CompletableFuture<Applied> outcome(long callId) {
        return logged.get(callId);
    }

    /** Call {@code callId} is settled: nobody waits for its outcome any more. */
    void forget(long callId) {
        logged.remove(callId);
    }
}
