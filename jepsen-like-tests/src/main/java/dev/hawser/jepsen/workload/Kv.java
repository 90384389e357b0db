package dev.hawser.jepsen.workload;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import io.grpc.ManagedChannel;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Small helpers over the etcd KV stubs, each call with its own deadline. */
public final class Kv {
    private Kv() {
    }

    public static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    public static KVGrpc.KVBlockingStub stub(ManagedChannel ch, long timeoutMillis) {
        return KVGrpc.newBlockingStub(ch).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    public static RangeResponse get(ManagedChannel ch, long timeoutMillis, String key, boolean serializable) {
        return stub(ch, timeoutMillis).range(RangeRequest.newBuilder().setKey(bs(key)).setSerializable(serializable).build());
    }

    public static RangeResponse prefix(ManagedChannel ch, long timeoutMillis, String prefix) {
        byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
        end[end.length - 1]++;
        return stub(ch, timeoutMillis).range(RangeRequest.newBuilder().setKey(bs(prefix))
                .setRangeEnd(ByteString.copyFrom(end)).build());
    }

    public static long put(ManagedChannel ch, long timeoutMillis, String key, String value, long lease) {
        return stub(ch, timeoutMillis).put(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).setLease(lease).build())
                .getHeader().getRevision();
    }

    /** Txn: if value(key) == expected then put(key, value). */
    public static TxnResponse cas(ManagedChannel ch, long timeoutMillis, String key, String expected, String value) {
        return stub(ch, timeoutMillis).txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs(key)).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(bs(expected)))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value))))
                .build());
    }

    public static Long parse(RangeResponse r) {
        return r.getKvsCount() == 0 ? null : Long.parseLong(r.getKvs(0).getValue().toStringUtf8());
    }
}
