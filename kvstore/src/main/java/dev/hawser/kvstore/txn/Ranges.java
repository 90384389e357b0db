package dev.hawser.kvstore.txn;

import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.mvcc.CompactedException;
import dev.hawser.kvstore.mvcc.FutureRevException;
import dev.hawser.kvstore.mvcc.MvccException;
import dev.hawser.kvstore.mvcc.RangeOptions;
import dev.hawser.kvstore.mvcc.RangeResult;
import dev.hawser.kvstore.mvcc.ReadView;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.etcdserverpb.ResponseHeader;
import dev.hawser.proto.mvccpb.KeyValue;
import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.KeyOrder;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** etcd's Range: filter, sort and limit on top of an MVCC range read. */
public final class Ranges {
    private Ranges() {
    }

    public static RangeResponse range(ReadView view, RangeRequest r) throws EtcdException {
        boolean needsWholeRange = r.getSortOrder() != RangeRequest.SortOrder.NONE
                || r.getSortTarget() != RangeRequest.SortTarget.KEY
                || r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        // One extra key tells us whether there are more; sorting and filtering must see everything first.
        long limit = needsWholeRange || r.getLimit() <= 0 ? 0 : r.getLimit() + 1;

        RangeResult rr;
        try {
            rr = view.range(r.getKey(), r.getRangeEnd(), new RangeOptions(limit, r.getRevision(), r.getCountOnly()));
        } catch (MvccException e) {
            throw translate(e);
        }

        List<KeyValue> kvs = rr.kvs();
        if (needsWholeRange && !kvs.isEmpty()) {
            kvs = filterAndSort(kvs, r);
        }
        RangeResponse.Builder resp = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(view.rev()))
                .setCount(rr.count());
        int n = kvs.size();
        if (r.getLimit() > 0 && n > r.getLimit()) {
            n = (int) r.getLimit();
            resp.setMore(true);
        }
        for (int i = 0; i < n; i++) {
            KeyValue kv = kvs.get(i);
            resp.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
        }
        return resp.build();
    }

    /** Rejects sort enums the server does not know, as etcd does before touching the store. */
    public static void checkSortOptions(RangeRequest r) throws EtcdException {
        if (r.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
                || r.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
            throw EtcdError.INVALID_SORT_OPTION.exception();
        }
    }

    static EtcdException translate(MvccException e) {
        if (e instanceof CompactedException) {
            return EtcdError.COMPACTED.exception();
        }
        if (e instanceof FutureRevException) {
            return EtcdError.FUTURE_REV.exception();
        }
        throw new IllegalStateException("unexpected mvcc error", e);
    }

    private static List<KeyValue> filterAndSort(List<KeyValue> in, RangeRequest r) {
        List<KeyValue> out = new ArrayList<>(in.size());
        for (KeyValue kv : in) {
            if (within(kv.getModRevision(), r.getMinModRevision(), r.getMaxModRevision())
                    && within(kv.getCreateRevision(), r.getMinCreateRevision(), r.getMaxCreateRevision())) {
                out.add(kv);
            }
        }
        RangeRequest.SortOrder order = r.getSortOrder();
        if (order == RangeRequest.SortOrder.NONE && r.getSortTarget() != RangeRequest.SortTarget.KEY) {
            order = RangeRequest.SortOrder.ASCEND; // etcd: a target without an order means ascending
        }
        if (order == RangeRequest.SortOrder.NONE) {
            return out;
        }
        Comparator<KeyValue> cmp = comparator(r.getSortTarget());
        out.sort(order == RangeRequest.SortOrder.DESCEND ? cmp.reversed() : cmp);
        return out;
    }

    private static boolean within(long v, long min, long max) {
        return (min == 0 || v >= min) && (max == 0 || v <= max);
    }

    private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
        Comparator<ByteString> bytes = KeyOrder.UNSIGNED;
        return switch (target) {
            case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
            case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
            case VALUE -> Comparator.comparing(KeyValue::getValue, bytes);
            default -> Comparator.comparing(KeyValue::getKey, bytes);
        };
    }
}
