package dev.hawser.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.alarm.Alarms;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.lease.Lessor;
import dev.hawser.kvstore.mvcc.RangeOptions;
import dev.hawser.kvstore.mvcc.TxnRead;
import dev.hawser.kvstore.txn.Txns;
import dev.hawser.proto.etcdserverpb.CompactionRequest;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.LeaseGrantRequest;
import dev.hawser.proto.etcdserverpb.LeaseRevokeRequest;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.mvccpb.KeyValue;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.server.protocol.TermIndex;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplierTest {
    @TempDir
    Path dir;
    private LiveStore store;
    private Lessor lessor;
    private Applier applier;
    private long index;
    /** Every revision the watchers were told about, in order: "rev:key,key". */
    private final List<String> commits = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        store = LiveStore.open(dir.resolve("db"));
        lessor = new Lessor(1, System::nanoTime);
        Alarms alarms = new Alarms();
        store.kv().setCommitListener((rev, events) -> commits.add(rev + ":" + String.join(",",
                events.stream().map(e -> e.getKv().getKey().toStringUtf8()).toList())));
        lessor.restore(store.backend(), store.kv());
        alarms.restore(store.backend());
        dev.hawser.kvstore.auth.AuthStore auth = new dev.hawser.kvstore.auth.AuthStore();
        applier = new Applier(new Txns(lessor), lessor, alarms, auth, new dev.hawser.kvstore.auth.Authorizer(auth, lessor::keys),
                new dev.hawser.kvstore.auth.SimpleTokens(300, System::nanoTime, System::currentTimeMillis));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void batchGivesEachRequestItsOwnRevisionAndResponseInOrder() throws Exception {
        List<RaftResponse> out = applyBatch(put("a", "1"), put("b", "2"), put("a", "3"));

        assertEquals(List.of(2L, 3L, 4L), out.stream().map(r -> r.getPut().getHeader().getRevision()).toList());
        assertEquals(4, store.kv().rev());
        KeyValue a = get("a");
        assertEquals("3", a.getValue().toStringUtf8());
        assertEquals(2, a.getCreateRevision());
        assertEquals(4, a.getModRevision());
        assertEquals(2, a.getVersion());
        assertEquals(List.of("2:a", "3:b", "4:a"), commits, "one commit notification per revision, in order");
    }

    @Test
    void failingRequestFailsAloneAndTakesNoRevision() throws Exception {
        List<RaftResponse> out = applyBatch(
                put("a", "1"),
                RaftRequest.newBuilder().setPut(PutRequest.newBuilder()
                        .setKey(bs("b")).setValue(bs("x")).setLease(99)).build(),
                put("c", "3"));

        assertEquals(2, out.get(0).getPut().getHeader().getRevision());
        assertTrue(out.get(1).hasError());
        assertEquals(EtcdError.LEASE_NOT_FOUND.message(), out.get(1).getError().getMessage());
        assertEquals(3, out.get(2).getPut().getHeader().getRevision(), "the failed put used no revision");
        assertEquals(null, get("b"));
        assertEquals("3", get("c").getValue().toStringUtf8());
        assertEquals(List.of("2:a", "3:c"), commits);
    }

    @Test
    void laterRequestsSeeEarlierOnesOfTheSameBatch() throws Exception {
        RaftRequest cas = RaftRequest.newBuilder().setTxn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs("k")).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(bs("v1")))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                        .setKey(bs("k")).setValue(bs("v2")).setPrevKv(true)))).build();
        RaftRequest deleteWithPrev = RaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder()
                .setKey(bs("k")).setPrevKv(true)).build();

        List<RaftResponse> out = applyBatch(put("k", "v1"), cas, deleteWithPrev);

        assertTrue(out.get(1).getTxn().getSucceeded(), "the compare saw the put before it");
        assertEquals("v1", out.get(1).getTxn().getResponses(0).getResponsePut().getPrevKv().getValue().toStringUtf8());
        assertEquals(3, out.get(1).getTxn().getHeader().getRevision());
        assertEquals("v2", out.get(2).getDeleteRange().getPrevKvs(0).getValue().toStringUtf8());
        assertEquals(1, out.get(2).getDeleteRange().getDeleted());
        assertEquals(4, out.get(2).getDeleteRange().getHeader().getRevision());
        assertEquals(null, get("k"));
    }

    @Test
    void leaseGrantedEarlierInTheBatchCanBeUsedAndRevoked() throws Exception {
        RaftRequest grant = RaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(7).setTTL(60))
                .build();
        RaftRequest leased = RaftRequest.newBuilder().setPut(PutRequest.newBuilder()
                .setKey(bs("l")).setValue(bs("x")).setLease(7)).build();
        RaftRequest revoke = RaftRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(7)).build();

        List<RaftResponse> out = applyBatch(grant, leased, revoke);

        assertEquals(1, out.get(0).getLeaseGrant().getHeader().getRevision(), "a grant changes no key");
        assertEquals(2, out.get(1).getPut().getHeader().getRevision());
        assertEquals(3, out.get(2).getLeaseRevoke().getHeader().getRevision(), "revoking deleted the key");
        assertEquals(null, get("l"));
        assertFalse(lessor.exists(7));
    }

    @Test
    void entryIndexIsRecordedWithTheBatch() {
        applyBatch(put("a", "1"), put("b", "2"));
        assertEquals(TermIndex.valueOf(3, index), store.applied());
    }

    @Test
    void singleEntryOfOldStillAppliesAndIsAnsweredAlone() throws Exception {
        // What every entry looked like before batching: the request itself.
        byte[] old = put("a", "1").toByteArray();
        Proposal p = Proposal.decode(java.nio.ByteBuffer.wrap(old));
        assertFalse(p.batched());

        List<RaftResponse> out = applier.apply(store, p, 3, ++index);

        assertEquals(2, out.get(0).getPut().getHeader().getRevision());
        RaftResponse answer = RaftResponse.parseFrom(p.answer(out).getContent().asReadOnlyByteBuffer());
        assertEquals(out.get(0), answer, "a single entry is answered with the plain response, as before");
        assertEquals(List.of(out.get(0)), p.responses(p.answer(out).getContent().asReadOnlyByteBuffer()));
    }

    @Test
    void batchRoundTripsThroughItsLogForm() throws Exception {
        Proposal p = Proposal.of(List.of(put("a", "1"), put("b", "2")));
        Proposal decoded = Proposal.decode(p.toMessage().getContent().asReadOnlyByteBuffer());
        assertEquals(p, decoded);
        assertTrue(decoded.batched());
        assertFalse(Proposal.of(List.of(put("a", "1"))).batched(), "a lone request is proposed in the old form");
    }

    @Test
    void compactionIsAppliedAloneAndRefusedInsideABatch() throws Exception {
        applyBatch(put("a", "1"), put("a", "2"));
        RaftRequest compact = RaftRequest.newBuilder()
                .setCompaction(CompactionRequest.newBuilder().setRevision(3)).build();

        List<RaftResponse> refused = applyBatch(put("b", "1"), compact);
        assertEquals(4, refused.get(0).getPut().getHeader().getRevision());
        assertEquals(EtcdError.NOT_CAPABLE.message(), refused.get(1).getError().getMessage());
        assertEquals(0, store.kv().compactRev());

        List<RaftResponse> alone = applier.apply(store, Proposal.of(List.of(compact)), 3, ++index);
        assertTrue(alone.get(0).hasCompaction());
        assertEquals(3, store.kv().compactRev());
    }

    private List<RaftResponse> applyBatch(RaftRequest... requests) {
        Proposal p = new Proposal(List.of(requests), true);
        List<RaftResponse> out = applier.apply(store, p, 3, ++index);
        assertEquals(requests.length, out.size());
        return out;
    }

    private KeyValue get(String key) throws Exception {
        try (TxnRead r = store.kv().read()) {
            List<KeyValue> kvs = r.range(bs(key), ByteString.EMPTY, RangeOptions.ALL).kvs();
            return kvs.isEmpty() ? null : kvs.get(0);
        }
    }

    private static RaftRequest put(String key, String value) {
        return RaftRequest.newBuilder().setPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value))).build();
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
