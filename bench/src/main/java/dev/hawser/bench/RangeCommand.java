package dev.hawser.bench;

import com.google.protobuf.ByteString;
import dev.hawser.bench.load.Connections;
import dev.hawser.bench.load.Operation;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "range", description = "Benchmark range (get) of KEY, or of [KEY, END) with END.")
final class RangeCommand extends LoadCommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "Key to read.")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "END", description = "Range end (exclusive).")
    String end;

    @Option(names = "--consistency", defaultValue = "l", paramLabel = "l|s",
            description = "l = linearizable, s = serializable (default: ${DEFAULT-VALUE}).")
    String consistency;

    @Option(names = "--limit", defaultValue = "0", description = "Maximum keys per response; 0 = no limit.")
    long limit;

    @Override
    void validate(Validation v) {
        String c = consistency.toLowerCase(Locale.ROOT);
        if (!c.equals("l") && !c.equals("s")) {
            v.fail("--consistency must be l (linearizable) or s (serializable), got '" + consistency + "'");
        }
        if (key.isEmpty()) {
            v.fail("KEY must not be empty");
        }
        v.atLeast("--limit", limit, 0);
    }

    @Override
    Operation prepare(Connections conns) {
        RangeRequest.Builder b = RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setLimit(limit)
                .setSerializable(consistency.equalsIgnoreCase("s"));
        if (end != null) {
            b.setRangeEnd(ByteString.copyFromUtf8(end));
        }
        RangeRequest request = b.build();
        KVGrpc.KVStub[] stubs = new KVGrpc.KVStub[conns.size()];
        for (int i = 0; i < stubs.length; i++) {
            stubs[i] = KVGrpc.newStub(conns.channel(i));
        }
        long timeout = connection.requestTimeoutMillis();
        return (client, seq, done) -> stubs[client % stubs.length]
                .withDeadlineAfter(timeout, TimeUnit.MILLISECONDS)
                .range(request, done.observer());
    }

    @Override
    Map<String, Object> params() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("key", key);
        p.put("end", end);
        p.put("consistency", consistency);
        p.put("limit", limit);
        return p;
    }
}
