package dev.hawser.kvstore.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.hawser.proto.raft.RaftBatch;
import dev.hawser.proto.raft.RaftBatchResponse;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * What one Raft log entry carries: a single request (the only form before batching, and still used for one
 * request alone), or a {@link RaftBatch} of requests that are applied in order, each answered separately.
 *
 * @param requests the requests, in the order they are applied
 * @param batched  whether the entry is a {@link RaftBatch}; its answer is then a {@link RaftBatchResponse}
 */
record Proposal(List<RaftRequest> requests, boolean batched) {
    Proposal {
        requests = List.copyOf(requests);
        if (requests.isEmpty() || (!batched && requests.size() != 1)) {
            throw new IllegalArgumentException("a single entry holds one request, a batch at least one");
        }
    }

    /** The form a member proposes: a lone request stays single, so that it reads like an entry of old. */
    static Proposal of(List<RaftRequest> requests) {
        return new Proposal(requests, requests.size() > 1);
    }

    /**
     * Whether a request may share an entry with others. A compaction needs the store's earlier revisions
     * committed, and membership records are read back from disk, so those always travel alone.
     */
    static boolean batchable(RaftRequest req) {
        return switch (req.getRequestCase()) {
            case PUT, DELETE_RANGE, TXN, LEASE_GRANT, LEASE_REVOKE, ALARM, NOOP, AUTH_ENABLE, AUTH_DISABLE, USER_ADD,
                 USER_DELETE, USER_CHANGE_PASSWORD, USER_GRANT_ROLE, USER_REVOKE_ROLE, ROLE_ADD, ROLE_DELETE,
                 ROLE_GRANT_PERMISSION, ROLE_REVOKE_PERMISSION, SIMPLE_TOKEN -> true;
            default -> false;
        };
    }

    /** Reads a log entry's data, in either form. */
    static Proposal decode(ByteBuffer data) throws InvalidProtocolBufferException {
        RaftRequest req = RaftRequest.parseFrom(data);
        if (req.getRequestCase() == RaftRequest.RequestCase.BATCH) {
            List<RaftRequest> requests = req.getBatch().getRequestsList();
            if (requests.isEmpty()) {
                throw new InvalidProtocolBufferException("empty request batch");
            }
            return new Proposal(requests, true);
        }
        return new Proposal(List.of(req), false);
    }

    Message toMessage() {
        RaftRequest entry = batched
                ? RaftRequest.newBuilder().setBatch(RaftBatch.newBuilder().addAllRequests(requests)).build()
                : requests.get(0);
        return wrap(entry.toByteString().asReadOnlyByteBuffer());
    }

    /** The reply to this entry: a lone response, or all of them for a batch. */
    Message answer(List<RaftResponse> responses) {
        if (responses.size() != requests.size()) {
            throw new IllegalArgumentException(responses.size() + " responses for " + requests.size() + " requests");
        }
        RaftResponse reply = batched
                ? RaftResponse.newBuilder().setBatch(RaftBatchResponse.newBuilder().addAllResponses(responses)).build()
                : responses.get(0);
        return wrap(reply.toByteString().asReadOnlyByteBuffer());
    }

    /** Reads {@link #answer}: one response per request, in order. */
    List<RaftResponse> responses(ByteBuffer reply) throws InvalidProtocolBufferException {
        RaftResponse resp = RaftResponse.parseFrom(reply);
        if (!batched) {
            return List.of(resp);
        }
        List<RaftResponse> all = resp.getBatch().getResponsesList();
        if (all.size() != requests.size()) {
            // An undecodable entry is answered with one empty response (see KvStateMachine).
            throw new InvalidProtocolBufferException(all.size() + " responses for " + requests.size() + " requests");
        }
        return all;
    }

    private static Message wrap(ByteBuffer bytes) {
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
    }
}
