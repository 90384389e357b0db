package dev.hawser.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.proto.etcdserverpb.CompactionRequest;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProposalQueueTest {
    /** Batches the queue sent, with the future that frees each one's slot. */
    private final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    private ProposalQueue queue;

    private record Sent(List<ProposalQueue.Pending> batch, CompletableFuture<Void> answered) {
        List<String> keys() {
            List<String> keys = new ArrayList<>();
            batch.forEach(p -> keys.add(p.request().hasPut() ? p.request().getPut().getKey().toStringUtf8() : "*"));
            return keys;
        }

        /** Answers every request with its own key as the value, as the state machine's responses would. */
        void answer() {
            for (ProposalQueue.Pending p : batch) {
                p.response().complete(RaftResponse.newBuilder().setError(
                        dev.hawser.proto.raft.ApplyError.newBuilder().setMessage(keyOf(p))).build());
            }
            answered.complete(null);
        }

        private static String keyOf(ProposalQueue.Pending p) {
            return p.request().getPut().getKey().toStringUtf8();
        }
    }

    @AfterEach
    void close() {
        if (queue != null) {
            queue.close();
        }
    }

    private void start(ProposalQueue.Limits limits) {
        close();
        sent.clear();
        queue = new ProposalQueue(limits, batch -> {
            CompletableFuture<Void> answered = new CompletableFuture<>();
            sent.add(new Sent(batch, answered));
            return answered;
        });
    }

    @Test
    void loneRequestIsSentAtOnce() throws Exception {
        start(new ProposalQueue.Limits(100, 1 << 20, 1));
        CompletableFuture<RaftResponse> f = queue.submit(put("a"));
        Sent s = next();
        assertEquals(List.of("a"), s.keys());
        s.answer();
        assertEquals("a", f.get(5, TimeUnit.SECONDS).getError().getMessage());
    }

    @Test
    void requestsArrivingWhileTheSlotsAreTakenShareTheNextBatchInOrder() throws Exception {
        start(new ProposalQueue.Limits(100, 1 << 20, 1));
        queue.submit(put("first"));
        Sent first = next();
        List<CompletableFuture<RaftResponse>> waiting = new ArrayList<>();
        for (String k : List.of("b", "c", "d", "e")) {
            waiting.add(queue.submit(put(k)));
        }
        assertEquals(null, sent.poll(200, TimeUnit.MILLISECONDS), "nothing is sent while the only slot is taken");
        first.answer();
        Sent second = next();
        assertEquals(List.of("b", "c", "d", "e"), second.keys());
        second.answer();
        for (int i = 0; i < waiting.size(); i++) {
            assertEquals(List.of("b", "c", "d", "e").get(i), waiting.get(i).get(5, TimeUnit.SECONDS).getError()
                    .getMessage(), "each caller gets its own response");
        }
    }

    @Test
    void batchesStopAtTheCountAndByteLimits() throws Exception {
        int size = put("b").getSerializedSize();
        start(new ProposalQueue.Limits(3, 4L * size, 1));
        queue.submit(put("first"));
        Sent first = next();
        for (String k : List.of("b", "c", "d", "e", "f")) {
            queue.submit(put(k));
        }
        first.answer();
        Sent second = next();
        assertEquals(List.of("b", "c", "d"), second.keys());
        second.answer();
        assertEquals(List.of("e", "f"), next().keys());

        start(new ProposalQueue.Limits(100, 2L * size, 1));
        queue.submit(put("first"));
        first = next();
        for (String k : List.of("b", "c", "d")) {
            queue.submit(put(k));
        }
        first.answer();
        second = next();
        assertEquals(List.of("b", "c"), second.keys());
    }

    @Test
    void compactionTravelsAlone() throws Exception {
        start(new ProposalQueue.Limits(100, 1 << 20, 1));
        queue.submit(put("first"));
        Sent first = next();
        queue.submit(put("b"));
        queue.submit(RaftRequest.newBuilder().setCompaction(CompactionRequest.newBuilder().setRevision(2)).build());
        queue.submit(put("c"));
        first.answer();
        Sent s = next();
        assertEquals(List.of("b"), s.keys());
        s.answer();
        s = next();
        assertEquals(List.of("*"), s.keys());
        s.answer();
        assertEquals(List.of("c"), next().keys());
    }

    @Test
    void failingSenderFailsItsBatchAndKeepsGoing() throws Exception {
        List<Integer> calls = new ArrayList<>();
        queue = new ProposalQueue(new ProposalQueue.Limits(100, 1 << 20, 1), batch -> {
            calls.add(batch.size());
            if (calls.size() == 1) {
                throw new IllegalStateException("boom");
            }
            batch.forEach(p -> p.response().complete(RaftResponse.getDefaultInstance()));
            return CompletableFuture.completedFuture(null);
        });
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> queue.submit(put("a")).get(5, TimeUnit.SECONDS));
        assertInstanceOf(EtcdException.class, e.getCause());
        assertEquals(RaftResponse.getDefaultInstance(), queue.submit(put("b")).get(5, TimeUnit.SECONDS));
    }

    @Test
    void closingFailsWhatIsStillQueued() throws Exception {
        start(new ProposalQueue.Limits(100, 1 << 20, 1));
        queue.submit(put("first"));
        next();
        CompletableFuture<RaftResponse> queued = queue.submit(put("b"));
        queue.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> queued.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof EtcdException);
        assertThrows(ExecutionException.class, () -> queue.submit(put("c")).get(5, TimeUnit.SECONDS));
    }

    private Sent next() throws InterruptedException {
        Sent s = sent.poll(5, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("no batch was sent");
        }
        return s;
    }

    private static RaftRequest put(String key) {
        return RaftRequest.newBuilder().setPut(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v"))).build();
    }
}
