package dev.hawser.kvstore.txn;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.KeyOrder;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.mvcc.MvccException;
import dev.hawser.kvstore.mvcc.RangeOptions;
import dev.hawser.kvstore.mvcc.ReadView;
import dev.hawser.kvstore.mvcc.TxnWrite;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.DeleteRangeResponse;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.PutResponse;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.ResponseHeader;
import dev.hawser.proto.etcdserverpb.ResponseOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import dev.hawser.proto.mvccpb.KeyValue;

import java.util.ArrayList;
import java.util.List;

/**
 * etcd's write requests and transactions, evaluated on an MVCC view. Everything that
 * can fail is checked before the first write, so a failed request changes nothing.
 */
public final class Txns {
    private static final ByteString NO_END = ByteString.EMPTY;

    private final LeaseLookup leases;

    public Txns(LeaseLookup leases) {
        this.leases = leases;
    }

    public PutResponse put(TxnWrite w, PutRequest p) throws EtcdException {
        checkPut(w, p);
        return doPut(w, p);
    }

    public DeleteRangeResponse deleteRange(TxnWrite w, DeleteRangeRequest d) throws EtcdException {
        return doDelete(w, d);
    }

    /**
     * Decides every branch up front against the state before the transaction (nested
     * compares included, as etcd does), checks the chosen operations, then runs them
     * in order so later operations see earlier writes.
     */
    public TxnResponse txn(ReadView view, TxnRequest t) throws EtcdException {
        List<Boolean> path = new ArrayList<>();
        decidePath(view, t, path);
        check(view, t, path, new int[] {0});
        long beginRev = view.rev();
        TxnResponse.Builder resp = execute(view, t, path, new int[] {0});
        long rev = view.rev();
        return resp.setHeader(ResponseHeader.newBuilder().setRevision(Math.max(rev, beginRev))).build();
    }

    /** True when no branch of the transaction (nested ones included) writes. */
    public static boolean isReadOnly(TxnRequest t) {
        return opsReadOnly(t.getSuccessList()) && opsReadOnly(t.getFailureList());
    }

    /** True when no branch puts anything: such a transaction can only shrink the database. */
    public static boolean isWriteFree(TxnRequest t) {
        return opsPutFree(t.getSuccessList()) && opsPutFree(t.getFailureList());
    }

    private static boolean opsPutFree(List<RequestOp> ops) {
        for (RequestOp op : ops) {
            if (op.hasRequestPut() || (op.hasRequestTxn() && !isWriteFree(op.getRequestTxn()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean opsReadOnly(List<RequestOp> ops) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_PUT, REQUEST_DELETE_RANGE:
                    return false;
                case REQUEST_TXN:
                    if (!isReadOnly(op.getRequestTxn())) {
                        return false;
                    }
                    break;
                default:
                    break;
            }
        }
        return true;
    }

    private void decidePath(ReadView view, TxnRequest t, List<Boolean> path) throws EtcdException {
        boolean ok = compareAll(view, t.getCompareList());
        path.add(ok);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            if (op.hasRequestTxn()) {
                decidePath(view, op.getRequestTxn(), path);
            }
        }
    }

    private void check(ReadView view, TxnRequest t, List<Boolean> path, int[] at) throws EtcdException {
        boolean ok = path.get(at[0]++);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> checkRangeRevision(view, op.getRequestRange());
                case REQUEST_PUT -> checkPut(view, op.getRequestPut());
                case REQUEST_TXN -> check(view, op.getRequestTxn(), path, at);
                default -> {
                }
            }
        }
    }

    private TxnResponse.Builder execute(ReadView view, TxnRequest t, List<Boolean> path, int[] at)
            throws EtcdException {
        boolean ok = path.get(at[0]++);
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(ok);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            ResponseOp.Builder r = ResponseOp.newBuilder();
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> r.setResponseRange(Ranges.range(view, op.getRequestRange()));
                case REQUEST_PUT -> r.setResponsePut(doPut((TxnWrite) view, op.getRequestPut()));
                case REQUEST_DELETE_RANGE ->
                        r.setResponseDeleteRange(doDelete((TxnWrite) view, op.getRequestDeleteRange()));
                case REQUEST_TXN -> {
                    TxnResponse.Builder nested = execute(view, op.getRequestTxn(), path, at);
                    r.setResponseTxn(nested.setHeader(ResponseHeader.newBuilder().setRevision(view.rev())));
                }
                default -> {
                    continue;
                }
            }
            resp.addResponses(r);
        }
        return resp;
    }

    private void checkPut(ReadView view, PutRequest p) throws EtcdException {
        if (p.getIgnoreValue() || p.getIgnoreLease()) {
            if (get(view, p.getKey()) == null) {
                throw EtcdError.KEY_NOT_FOUND.exception();
            }
        }
        if (!p.getIgnoreLease() && p.getLease() != 0 && !leases.exists(p.getLease())) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
    }

    private static void checkRangeRevision(ReadView view, RangeRequest r) throws EtcdException {
        long rev = r.getRevision();
        if (rev > view.rev()) {
            throw EtcdError.FUTURE_REV.exception();
        }
        if (rev > 0 && rev < view.firstRev()) {
            throw EtcdError.COMPACTED.exception();
        }
    }

    private PutResponse doPut(TxnWrite w, PutRequest p) throws EtcdException {
        KeyValue prev = p.getPrevKv() || p.getIgnoreValue() || p.getIgnoreLease() ? get(w, p.getKey()) : null;
        ByteString value = p.getIgnoreValue() ? prev.getValue() : p.getValue();
        long lease = p.getIgnoreLease() ? prev.getLease() : p.getLease();
        w.put(p.getKey(), value, lease);
        PutResponse.Builder resp = PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(w.rev()));
        if (p.getPrevKv() && prev != null) {
            resp.setPrevKv(prev);
        }
        return resp.build();
    }

    private DeleteRangeResponse doDelete(TxnWrite w, DeleteRangeRequest d) throws EtcdException {
        DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
        if (d.getPrevKv()) {
            resp.addAllPrevKvs(rangeAll(w, d.getKey(), d.getRangeEnd()));
        }
        long deleted = w.deleteRange(d.getKey(), d.getRangeEnd());
        return resp.setDeleted(deleted).setHeader(ResponseHeader.newBuilder().setRevision(w.rev())).build();
    }

    private static boolean compareAll(ReadView view, List<Compare> compares) throws EtcdException {
        for (Compare c : compares) {
            if (!compare(view, c)) {
                return false;
            }
        }
        return true;
    }

    /** A missing key compares as a zero KeyValue, except that a VALUE compare on it always fails. */
    private static boolean compare(ReadView view, Compare c) throws EtcdException {
        List<KeyValue> kvs = rangeAll(view, c.getKey(), c.getRangeEnd());
        if (kvs.isEmpty()) {
            return c.getTarget() != Compare.CompareTarget.VALUE && compareKv(c, KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : kvs) {
            if (!compareKv(c, kv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean compareKv(Compare c, KeyValue kv) {
        int result = switch (c.getTarget()) {
            case VALUE -> KeyOrder.UNSIGNED.compare(kv.getValue(), c.getValue());
            case CREATE -> Long.compare(kv.getCreateRevision(), c.getCreateRevision());
            case MOD -> Long.compare(kv.getModRevision(), c.getModRevision());
            case VERSION -> Long.compare(kv.getVersion(), c.getVersion());
            case LEASE -> Long.compare(kv.getLease(), c.getLease());
            default -> 0;
        };
        return switch (c.getResult()) {
            case EQUAL -> result == 0;
            case NOT_EQUAL -> result != 0;
            case GREATER -> result > 0;
            case LESS -> result < 0;
            default -> false;
        };
    }

    private static KeyValue get(ReadView view, ByteString key) throws EtcdException {
        List<KeyValue> kvs = rangeAll(view, key, NO_END);
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    private static List<KeyValue> rangeAll(ReadView view, ByteString key, ByteString end) throws EtcdException {
        try {
            return view.range(key, end, RangeOptions.ALL).kvs();
        } catch (MvccException e) {
            throw Ranges.translate(e);
        }
    }
}
