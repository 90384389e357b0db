package dev.hawser.bench;

import com.google.protobuf.ByteString;
import dev.hawser.bench.load.Connections;
import dev.hawser.bench.load.Keys;
import dev.hawser.bench.load.Operation;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "put", description = "Benchmark put: each client puts, waits for the answer, puts again.")
final class PutCommand extends LoadCommand {
    @Option(names = "--key-size", defaultValue = "8", description = "Key size in bytes (default: ${DEFAULT-VALUE}).")
    int keySize;

    @Option(names = "--val-size", defaultValue = "8", description = "Value size in bytes (default: ${DEFAULT-VALUE}).")
    int valSize;

    @Option(names = "--key-space-size", defaultValue = "1",
            description = "Distinct keys to put to (default: ${DEFAULT-VALUE}, as etcd's tool: every put hits one key).")
    long keySpaceSize;

    @Option(names = "--sequential-keys", description = "Keys 0,1,2,... mod key-space-size instead of random ones.")
    boolean sequentialKeys;

    private Keys keys;

    @Override
    void validate(Validation v) {
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
        if (keys == null) {
            keys = new Keys(keySize, keySpaceSize, sequentialKeys);
        }
        ByteString value = Keys.randomValue(valSize);
        KVGrpc.KVStub[] stubs = new KVGrpc.KVStub[conns.size()];
        for (int i = 0; i < stubs.length; i++) {
            stubs[i] = KVGrpc.newStub(conns.channel(i));
        }
        long timeout = connection.requestTimeoutMillis();
        return (client, seq, done) -> stubs[client % stubs.length]
                .withDeadlineAfter(timeout, TimeUnit.MILLISECONDS)
                .put(PutRequest.newBuilder().setKey(keys.key(seq)).setValue(value).build(), done.observer());
    }

    @Override
    Map<String, Object> params() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("keySize", keySize);
        p.put("valSize", valSize);
        p.put("keySpaceSize", keySpaceSize);
        p.put("sequentialKeys", sequentialKeys);
        return p;
    }
}
