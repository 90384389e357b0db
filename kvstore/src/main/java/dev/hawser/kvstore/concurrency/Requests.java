package dev.hawser.kvstore.concurrency;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;

/**
 * The keys and requests of etcd's recipes: a participant's key is {@code name/hex(lease)},
 * and the queue under {@code name/} is ordered by create revision.
 */
public final class Requests {
    private static final ByteString SLASH = ByteString.copyFromUtf8("/");
    private static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});

    private Requests() {
    }

    /** {@code name + "/"}: what etcd's NewMutex and NewElection append. */
    public static ByteString prefixOf(ByteString name) {
        return name.concat(SLASH);
    }

    /** The participant's key: the prefix and the lease ID in lowercase hex (Go's {@code %x}). */
    static ByteString keyOf(ByteString prefix, long lease) {
        String hex = lease >= 0 ? Long.toHexString(lease) : "-" + Long.toHexString(-lease);
        return prefix.concat(ByteString.copyFromUtf8(hex));
    }

    /** etcd's GetPrefixRangeEnd: drop trailing 0xff bytes, add one to the last; all 0xff means "every key from". */
    public static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if ((end[i] & 0xff) < 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return FROM_KEY;
    }

    /** The oldest participant: the owner of a lock, the leader of an election (clientv3's WithFirstCreate). */
    static RangeRequest firstCreated(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND).build();
    }

    /** The youngest participant created at or before {@code maxCreateRev}: the next one to wait for. */
    static RangeRequest lastCreatedUpTo(ByteString prefix, long maxCreateRev) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
                .setMaxCreateRevision(maxCreateRev)
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND).build();
    }

    static RangeRequest get(ByteString key) {
        return RangeRequest.newBuilder().setKey(key).build();
    }

    /**
     * If {@code key} does not exist: put it with {@code value} and {@code lease}; else read it.
     * Either way the {@code alsoRead} ranges follow, in the same revision.
     */
    static TxnRequest createOrGet(ByteString key, ByteString value, long lease, RangeRequest... alsoRead) {
        TxnRequest.Builder t = TxnRequest.newBuilder()
                .addCompare(createdAt(key, 0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease)))
                .addFailure(RequestOp.newBuilder().setRequestRange(get(key)));
        for (RangeRequest r : alsoRead) {
            t.addSuccess(RequestOp.newBuilder().setRequestRange(r));
            t.addFailure(RequestOp.newBuilder().setRequestRange(r));
        }
        return t.build();
    }

    /** Runs {@code op} only while {@code key} is the incarnation created at {@code createRev}. */
    static TxnRequest ifCreatedAt(ByteString key, long createRev, RequestOp op) {
        return TxnRequest.newBuilder().addCompare(createdAt(key, createRev)).addSuccess(op).build();
    }

    static RequestOp put(ByteString key, ByteString value, long lease) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease))
                .build();
    }

    static RequestOp delete(ByteString key) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)).build();
    }

    private static Compare createdAt(ByteString key, long createRev) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(createRev).build();
    }
}
