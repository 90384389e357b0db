package dev.hawser.bench;

import com.google.protobuf.ByteString;
import dev.hawser.bench.load.Connections;
import dev.hawser.bench.load.Keys;
import dev.hawser.bench.load.Operation;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "txn", description = "Benchmark txn (etcd's txn-put): each txn puts --txn-ops keys at once.")
final class TxnCommand extends LoadCommand {
    @Option(names = "--txn-ops", defaultValue = "1", description = "Puts per txn (default: ${DEFAULT-VALUE}).")
    int txnOps;

    @Option(names = "--key-size", defaultValue = "8", description = "Key size in bytes (default: ${DEFAULT-VALUE}).")
    int keySize;

    @Option(names = "--val-size", defaultValue = "8", description = "Value size in bytes (default: ${DEFAULT-VALUE}).")
    int valSize;

    @Option(names = "--key-space-size", defaultValue = "1", description = "Distinct key groups (default: ${DEFAULT-VALUE}).")
    long keySpaceSize;

    @Option(names = "--sequential-keys", description = "Key groups 0,1,2,... instead of random ones.")
    boolean sequentialKeys;

    private Keys keys;

    @Override
    void validate(Validation v) {
        v.atLeast("--txn-ops", txnOps, 1);
        v.atLeast("--key-size", keySize, 1);
        v.atLeast("--val-size", valSize, 0);
        v.atLeast("--key-space-size", keySpaceSize, 1);
        try {
            keys = new Keys(keySize, keySpaceSize, sequentialKeys);
        } catch (IllegalArgumentException e) {
            v.fail(e.getMessage());
        }
    }

    @Override
    Operation prepare(Connections conns) {
        ByteString value = Keys.randomValue(valSize);
        KVGrpc.KVStub[] stubs = new KVGrpc.KVStub[conns.size()];
        for (int i = 0; i < stubs.length; i++) {
            stubs[i] = KVGrpc.newStub(conns.channel(i));
        }
        long timeout = connection.requestTimeoutMillis();
        return (client, seq, done) -> {
            ByteString base = keys.key(seq);
            TxnRequest.Builder txn = TxnRequest.newBuilder();
            for (int j = 0; j < txnOps; j++) {
                // Distinct keys: a txn may not put one key twice.
                ByteString k = txnOps == 1 ? base : base.concat(ByteString.copyFromUtf8("/" + j));
                txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(k).setValue(value)));
            }
            stubs[client % stubs.length].withDeadlineAfter(timeout, TimeUnit.MILLISECONDS)
                    .txn(txn.build(), done.observer());
        };
    }

    @Override
    Map<String, Object> params() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("txnOps", txnOps);
        p.put("keySize", keySize);
        p.put("valSize", valSize);
        p.put("keySpaceSize", keySpaceSize);
        p.put("sequentialKeys", sequentialKeys);
        return p;
    }
}
