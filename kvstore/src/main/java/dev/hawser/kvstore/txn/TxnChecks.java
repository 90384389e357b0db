package dev.hawser.kvstore.txn;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.mvcc.KeyRange;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Stateless request checks, done before a request reaches the Raft log: a request
 * that fails them is never replicated.
 */
public final class TxnChecks {
    private TxnChecks() {
    }

    public static void checkRange(RangeRequest r) throws EtcdException {
        requireKey(r.getKey());
        Ranges.checkSortOptions(r);
    }

    public static void checkPut(PutRequest p) throws EtcdException {
        requireKey(p.getKey());
        if (p.getIgnoreValue() && !p.getValue().isEmpty()) {
            throw EtcdError.VALUE_PROVIDED.exception();
        }
        if (p.getIgnoreLease() && p.getLease() != 0) {
            throw EtcdError.LEASE_PROVIDED.exception();
        }
    }

    public static void checkDelete(DeleteRangeRequest d) throws EtcdException {
        requireKey(d.getKey());
    }

    public static void checkTxn(TxnRequest t, int maxOps) throws EtcdException {
        checkOps(t, maxOps);
        checkDuplicates(t);
    }

    private static void checkOps(TxnRequest t, int maxOps) throws EtcdException {
        if (t.getCompareCount() > maxOps || t.getSuccessCount() > maxOps || t.getFailureCount() > maxOps) {
            throw EtcdError.TOO_MANY_OPS.exception();
        }
        for (Compare c : t.getCompareList()) {
            requireKey(c.getKey());
        }
        for (List<RequestOp> branch : List.of(t.getSuccessList(), t.getFailureList())) {
            for (RequestOp op : branch) {
                switch (op.getRequestCase()) {
                    case REQUEST_RANGE -> checkRange(op.getRequestRange());
                    case REQUEST_PUT -> checkPut(op.getRequestPut());
                    case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
                    case REQUEST_TXN -> checkOps(op.getRequestTxn(), maxOps);
                    default -> {
                    }
                }
            }
        }
    }

    /** A branch may not put one key twice, nor put a key it also deletes. */
    private static Set<ByteString> checkDuplicates(TxnRequest t) throws EtcdException {
        Set<ByteString> all = new HashSet<>(branchPuts(t.getSuccessList()));
        all.addAll(branchPuts(t.getFailureList()));
        return all;
    }

    private static Set<ByteString> branchPuts(List<RequestOp> ops) throws EtcdException {
        Set<ByteString> puts = new HashSet<>();
        List<DeleteRangeRequest> deletes = new ArrayList<>();
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_PUT -> addPut(puts, op.getRequestPut().getKey());
                case REQUEST_DELETE_RANGE -> deletes.add(op.getRequestDeleteRange());
                case REQUEST_TXN -> {
                    for (ByteString k : checkDuplicates(op.getRequestTxn())) {
                        addPut(puts, k);
                    }
                }
                default -> {
                }
            }
        }
        for (DeleteRangeRequest d : deletes) {
            for (ByteString k : puts) {
                if (KeyRange.contains(d.getKey(), d.getRangeEnd(), k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
            }
        }
        return puts;
    }

    private static void addPut(Set<ByteString> puts, ByteString key) throws EtcdException {
        if (!puts.add(key)) {
            throw EtcdError.DUPLICATE_KEY.exception();
        }
    }

    private static void requireKey(ByteString key) throws EtcdException {
        if (key.isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
    }
}
