package dev.hawser.kvstore.raft;

import dev.hawser.kvstore.alarm.Alarms;
import dev.hawser.kvstore.auth.AuthStore;
import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.auth.TokenProvider;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.lease.Lessor;
import dev.hawser.kvstore.mvcc.CompactedException;
import dev.hawser.kvstore.mvcc.FutureRevException;
import dev.hawser.kvstore.mvcc.KvStore;
import dev.hawser.kvstore.mvcc.MvccException;
import dev.hawser.kvstore.mvcc.TxnWrite;
import dev.hawser.kvstore.mvcc.WriteGroup;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.MetaKeys;
import dev.hawser.kvstore.txn.Txns;
import dev.hawser.proto.etcdserverpb.AlarmMember;
import dev.hawser.proto.etcdserverpb.AlarmRequest;
import dev.hawser.proto.etcdserverpb.AlarmResponse;
import dev.hawser.proto.etcdserverpb.CompactionResponse;
import dev.hawser.proto.etcdserverpb.DeleteRangeResponse;
import dev.hawser.proto.etcdserverpb.LeaseGrantResponse;
import dev.hawser.proto.etcdserverpb.LeaseRevokeResponse;
import dev.hawser.proto.etcdserverpb.PutResponse;
import dev.hawser.proto.etcdserverpb.ResponseHeader;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import dev.hawser.proto.raft.ApplyError;
import dev.hawser.proto.raft.Empty;
import dev.hawser.proto.raft.MemberAttributes;
import dev.hawser.proto.raft.RaftRequest;
import dev.hawser.proto.raft.RaftResponse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies one committed entry to the live store. An entry's requests (one, or a batch) run in one MVCC
 * {@link WriteGroup}, each in its own write transaction with its own revision and response, and the group's one
 * RocksDB batch also records the entry's index, so after a crash the database says exactly which entries it
 * already holds. A request that fails (a failed check, a missing lease) fails alone: the checks run before its
 * first write, so it leaves nothing behind for the others.
 */
final class Applier {
    private final Txns txns;
    private final Lessor lessor;
    private final Alarms alarms;
    private final AuthStore auth;
    private final Authorizer authorizer;
    private final TokenProvider tokens;

    Applier(Txns txns, Lessor lessor, Alarms alarms, AuthStore auth, Authorizer authorizer, TokenProvider tokens) {
        this.txns = txns;
        this.lessor = lessor;
        this.alarms = alarms;
        this.auth = auth;
        this.authorizer = authorizer;
        this.tokens = tokens;
    }

    /** The responses to the entry's requests, in order. */
    List<RaftResponse> apply(LiveStore store, Proposal entry, long term, long index) {
        KvStore kv = store.kv();
        try (BatchTx batch = store.backend().newBatch()) {
            MetaKeys.CONSISTENT_INDEX.writeLong(batch, index);
            MetaKeys.CONSISTENT_TERM.writeLong(batch, term);
            RaftRequest first = entry.requests().get(0);
            if (!entry.batched() && first.getRequestCase() == RaftRequest.RequestCase.COMPACTION) {
                try {
                    authorizer.checkApply(first);
                } catch (EtcdException e) {
                    kv.write(batch).close();
                    return List.of(RaftResponse.newBuilder().setError(error(e.error())).build());
                }
                return List.of(compact(kv, batch, first.getCompaction().getRevision()));
            }
            List<RaftResponse> out = new ArrayList<>(entry.requests().size());
            WriteGroup group = kv.writeGroup(batch);
            try {
                for (RaftRequest req : entry.requests()) {
                    out.add(entry.batched() && !Proposal.batchable(req)
                            ? RaftResponse.newBuilder().setError(error(EtcdError.NOT_CAPABLE)).build()
                            : apply(store, group, batch, req));
                }
            } catch (RuntimeException | Error e) {
                group.abandon();
                throw e;
            }
            group.close();
            return out;
        }
    }

    private RaftResponse apply(LiveStore store, WriteGroup group, BatchTx batch, RaftRequest req) {
        RaftResponse.Builder out = RaftResponse.newBuilder();
        if (alarms.noSpace() && growsDatabase(req)) {
            // etcd's capped applier: the same answer on every member, since alarms are replicated.
            return out.setError(error(EtcdError.NO_SPACE)).build();
        }
        try (TxnWrite w = group.next()) {
            authorizer.checkApply(req);
            switch (req.getRequestCase()) {
                case PUT -> out.setPut(txns.put(w, req.getPut()));
                case DELETE_RANGE -> out.setDeleteRange(txns.deleteRange(w, req.getDeleteRange()));
                case TXN -> out.setTxn(txns.txn(w, req.getTxn()));
                case LEASE_GRANT -> {
                    long id = req.getLeaseGrant().getID();
                    long ttl = lessor.grant(batch, id, req.getLeaseGrant().getTTL());
                    out.setLeaseGrant(LeaseGrantResponse.newBuilder().setID(id).setTTL(ttl));
                }
                case LEASE_REVOKE -> {
                    lessor.revoke(w, batch, req.getLeaseRevoke().getID());
                    out.setLeaseRevoke(LeaseRevokeResponse.newBuilder());
                }
                case ALARM -> out.setAlarm(alarm(batch, req.getAlarm()));
                case NOOP -> out.setEmpty(Empty.getDefaultInstance());
                case MEMBER_ATTRIBUTES, MEMBER_ADD, MEMBER_UPDATE, MEMBER_REMOVE -> {
                    applyMembership(store, batch, req);
                    out.setEmpty(Empty.getDefaultInstance());
                }
                case AUTH_ENABLE, AUTH_DISABLE, USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD, USER_GRANT_ROLE,
                     USER_REVOKE_ROLE, ROLE_ADD, ROLE_DELETE, ROLE_GRANT_PERMISSION, ROLE_REVOKE_PERMISSION -> {
                    applyAuth(batch, req);
                    out.setEmpty(Empty.getDefaultInstance());
                }
                case SIMPLE_TOKEN -> {
                    tokens.register(req.getSimpleToken());
                    out.setEmpty(Empty.getDefaultInstance());
                }
                default -> out.setError(error(EtcdError.NOT_CAPABLE));
            }
        } catch (EtcdException e) {
            return RaftResponse.newBuilder().setError(error(e.error())).build();
        }
        return withRevision(out, group.rev());
    }

    private void applyAuth(BatchTx batch, RaftRequest req) throws EtcdException {
        switch (req.getRequestCase()) {
            case AUTH_ENABLE -> auth.enable(batch);
            case AUTH_DISABLE -> auth.disable(batch);
            case USER_ADD -> auth.addUser(batch, req.getUserAdd());
            case USER_DELETE -> auth.deleteUser(batch, req.getUserDelete().getName());
            case USER_CHANGE_PASSWORD -> auth.changePassword(batch, req.getUserChangePassword().getName(),
                    req.getUserChangePassword().getHashedPassword());
            case USER_GRANT_ROLE -> auth.grantRole(batch, req.getUserGrantRole().getUser(), req.getUserGrantRole().getRole());
            case USER_REVOKE_ROLE -> auth.revokeRole(batch, req.getUserRevokeRole().getName(), req.getUserRevokeRole().getRole());
            case ROLE_ADD -> auth.addRole(batch, req.getRoleAdd().getName());
            case ROLE_DELETE -> auth.deleteRole(batch, req.getRoleDelete().getRole());
            case ROLE_GRANT_PERMISSION -> auth.grantPermission(batch, req.getRoleGrantPermission());
            case ROLE_REVOKE_PERMISSION -> auth.revokePermission(batch, req.getRoleRevokePermission());
            default -> throw new IllegalArgumentException("not an auth request: " + req.getRequestCase());
        }
    }

    private static boolean growsDatabase(RaftRequest req) {
        return switch (req.getRequestCase()) {
            case PUT, LEASE_GRANT -> true;
            case TXN -> !Txns.isWriteFree(req.getTxn());
            default -> false;
        };
    }

    private AlarmResponse.Builder alarm(BatchTx batch, AlarmRequest a) {
        AlarmResponse.Builder resp = AlarmResponse.newBuilder();
        switch (a.getAction()) {
            case ACTIVATE -> {
                alarms.activate(batch, a.getMemberID(), a.getAlarm());
                resp.addAlarms(AlarmMember.newBuilder().setMemberID(a.getMemberID()).setAlarm(a.getAlarm()));
            }
            case DEACTIVATE -> {
                AlarmMember removed = alarms.deactivate(batch, a.getMemberID(), a.getAlarm());
                if (removed != null) {
                    resp.addAlarms(removed);
                }
            }
            default -> resp.addAllAlarms(alarms.list(a.getMemberID(), a.getAlarm()));
        }
        return resp;
    }

    /** A compaction is always an entry of its own: it works on committed revisions only. */
    private RaftResponse compact(KvStore kv, BatchTx batch, long rev) {
        RaftResponse.Builder out = RaftResponse.newBuilder();
        try {
            kv.compact(rev);
            out.setCompaction(CompactionResponse.newBuilder());
        } catch (CompactedException e) {
            out.setError(error(EtcdError.COMPACTED));
        } catch (FutureRevException e) {
            out.setError(error(EtcdError.FUTURE_REV));
        } catch (MvccException e) {
            throw new IllegalStateException("compaction failed", e);
        }
        // An empty write transaction commits the entry's index.
        kv.write(batch).close();
        return withRevision(out, kv.rev());
    }

    /** Writes carry the store's revision after the entry, as etcd's headers do. */
    private static RaftResponse withRevision(RaftResponse.Builder out, long rev) {
        ResponseHeader h = ResponseHeader.newBuilder().setRevision(rev).build();
        switch (out.getResponseCase()) {
            case PUT -> out.setPut(PutResponse.newBuilder(out.getPut()).setHeader(h));
            case DELETE_RANGE -> out.setDeleteRange(DeleteRangeResponse.newBuilder(out.getDeleteRange()).setHeader(h));
            case TXN -> out.setTxn(TxnResponse.newBuilder(out.getTxn()).setHeader(h));
            case COMPACTION -> out.setCompaction(CompactionResponse.newBuilder(out.getCompaction()).setHeader(h));
            case LEASE_GRANT -> out.setLeaseGrant(LeaseGrantResponse.newBuilder(out.getLeaseGrant()).setHeader(h));
            case LEASE_REVOKE -> out.setLeaseRevoke(LeaseRevokeResponse.newBuilder(out.getLeaseRevoke()).setHeader(h));
            case ALARM -> out.setAlarm(AlarmResponse.newBuilder(out.getAlarm()).setHeader(h));
            default -> {
            }
        }
        return out.build();
    }

    /** Member records: added by MemberAdd, completed by the member itself, changed by MemberUpdate. */
    private static void applyMembership(LiveStore store, BatchTx batch, RaftRequest req) {
        switch (req.getRequestCase()) {
            case MEMBER_REMOVE -> batch.delete(Cf.MEMBERS, memberKey(req.getMemberRemove()));
            case MEMBER_ADD -> {
                MemberAttributes add = req.getMemberAdd();
                if (readMember(store, add.getMemberId()) == null) {
                    batch.put(Cf.MEMBERS, memberKey(add.getMemberId()), add.toByteArray());
                }
            }
            case MEMBER_ATTRIBUTES -> {
                MemberAttributes published = req.getMemberAttributes();
                MemberAttributes old = readMember(store, published.getMemberId());
                MemberAttributes.Builder m = old == null ? published.toBuilder() : old.toBuilder()
                        .setName(published.getName()).clearClientUrls().addAllClientUrls(published.getClientUrlsList());
                if (m.getPeerUrlsCount() == 0) {
                    m.addAllPeerUrls(published.getPeerUrlsList());
                }
                batch.put(Cf.MEMBERS, memberKey(published.getMemberId()), m.build().toByteArray());
            }
            case MEMBER_UPDATE -> {
                MemberAttributes change = req.getMemberUpdate();
                MemberAttributes old = readMember(store, change.getMemberId());
                MemberAttributes.Builder m = old == null ? change.toBuilder() : old.toBuilder();
                if (change.getPeerUrlsCount() > 0) {
                    m.clearPeerUrls().addAllPeerUrls(change.getPeerUrlsList());
                }
                m.setIsLearner(change.getIsLearner());
                batch.put(Cf.MEMBERS, memberKey(change.getMemberId()), m.build().toByteArray());
            }
            default -> throw new IllegalArgumentException("not a membership request: " + req.getRequestCase());
        }
    }

    private static MemberAttributes readMember(LiveStore store, long id) {
        byte[] v = store.backend().get(Cf.MEMBERS, memberKey(id));
        try {
            return v == null ? null : MemberAttributes.parseFrom(v);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt member record", e);
        }
    }

    static byte[] memberKey(long id) {
        return ByteBuffer.allocate(Long.BYTES).putLong(id).array();
    }

    static ApplyError error(EtcdError e) {
        return ApplyError.newBuilder().setCode(e.code().value()).setMessage(e.message()).build();
    }
}
