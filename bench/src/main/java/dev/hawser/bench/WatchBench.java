package dev.hawser.bench;

import com.google.protobuf.ByteString;
import dev.hawser.bench.load.Connections;
import dev.hawser.bench.load.LatencyRecorder;
import dev.hawser.bench.load.LoadRunner;
import dev.hawser.bench.load.Operation;
import dev.hawser.bench.load.Report;
import dev.hawser.bench.load.Results;
import dev.hawser.bench.load.RunResult;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.WatchCreateRequest;
import dev.hawser.proto.etcdserverpb.WatchGrpc;
import dev.hawser.proto.etcdserverpb.WatchRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Watch fan-out: {@code watchers} watchers over {@code streams} streams watch {@code watched-key-total} keys
 * (or one prefix); then {@code put-total} puts go to those keys and every event each watcher receives is
 * timed from its put's send. Each value carries the put's sequence number, which is how an event finds its put.
 * Reports watch-creation latency, put latency, event latency and events delivered per second.
 *
 * <p>{@code watch} and {@code watch-latency} differ only in defaults: the first pushes puts as fast as they go
 * (throughput of delivery), the second paces them (delivery latency at a steady rate), as in etcd's tool.
 */
abstract class WatchBench implements Callable<Integer> {
    private static final int SEQ_BYTES = Long.BYTES;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Spec
    CommandSpec spec;

    @Option(names = "--watchers", description = "Watchers in total (default: 1000 for watch, 100 for watch-latency).")
    Integer watchers;

    @Option(names = "--streams", defaultValue = "10", description = "Watch streams the watchers share (default: ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--watched-key-total", defaultValue = "1", description = "Distinct keys watched (default: ${DEFAULT-VALUE}).")
    int watchedKeyTotal;

    @Option(names = "--prefix", description = "Watchers watch the key prefix instead of single keys: each sees every put.")
    boolean prefix;

    @Option(names = "--put-total", description = "Puts to the watched keys (default: 1000).")
    Long putTotal;

    @Option(names = "--put-rate", description = "Puts per second; 0 = no limit (default: 0 for watch, 100 for watch-latency).")
    Double putRate;

    @Option(names = "--put-clients", defaultValue = "10", description = "Concurrent putting clients (default: ${DEFAULT-VALUE}).")
    int putClients;

    @Option(names = "--key-size", defaultValue = "32", description = "Key size in bytes (default: ${DEFAULT-VALUE}).")
    int keySize;

    @Option(names = "--val-size", defaultValue = "32", description = "Value size in bytes, at least 8 (default: ${DEFAULT-VALUE}).")
    int valSize;

    @Option(names = "--drain-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "After the last put, how long to wait for outstanding events (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    abstract int defaultWatchers();

    abstract long defaultPutTotal();

    abstract double defaultPutRate();

    int watchers() {
        return watchers != null ? watchers : defaultWatchers();
    }

    long putTotal() {
        return putTotal != null ? putTotal : defaultPutTotal();
    }

    double putRate() {
        return putRate != null ? putRate : defaultPutRate();
    }

    void validate(Validation v) {
        connection.validate(v);
        output.validate(v);
        v.atLeast("--watchers", watchers(), 1);
        v.atLeast("--streams", streams, 1);
        if (streams > watchers()) {
            v.fail("--streams (" + streams + ") must not exceed --watchers (" + watchers() + ")");
        }
        v.atLeast("--watched-key-total", watchedKeyTotal, 1);
        v.atLeast("--put-total", putTotal(), 1);
        if (putTotal() > Integer.MAX_VALUE) {
            v.fail("--put-total must be at most " + Integer.MAX_VALUE);
        }
        v.atLeast("--put-rate", putRate(), 0);
        v.atLeast("--put-clients", putClients, 1);
        v.atLeast("--key-size", keySize, 8);
        v.atLeast("--val-size", valSize, SEQ_BYTES);
    }

    /** What one watch run measured. */
    record Outcome(RunResult create, RunResult puts, RunResult events, long expected, long received,
                   double eventsPerSec, long canceled, long responses) {
        /** How many events a server packs into one response: 1 when it sends each revision as it commits. */
        double eventsPerResponse() {
            return responses == 0 ? 0 : (double) received / responses;
        }

        /** The event counts as bench watch and compare both write them to JSON. */
        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("eventsExpected", expected);
            f.put("eventsReceived", received);
            f.put("eventsPerSec", eventsPerSec);
            f.put("eventResponses", responses);
            f.put("eventsPerResponse", eventsPerResponse());
            f.put("watchersCanceled", canceled);
            return f;
        }
    }

    @Override
    public Integer call() throws Exception {
        Validation v = new Validation(spec.commandLine());
        validate(v);
        PrintWriter out = spec.commandLine().getOut();
        Outcome o;
        try (Connections conns = connection.open(v)) {
            o = measure(conns, spec.name());
        }
        Report.print(o.create(), out);
        Report.print(o.puts(), out);
        Report.print(o.events(), out);
        out.println();
        String canceled = o.canceled() > 0 ? ", " + o.canceled() + " watchers canceled by the server" : "";
        out.printf(Locale.ROOT, "Events: %d of %d delivered, %.1f events/sec, %.1f events per response%s%n",
                o.received(), o.expected(), o.eventsPerSec(), o.eventsPerResponse(), canceled);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("conns", connection.conns);
        params.put("watchers", watchers());
        params.put("streams", streams);
        params.put("watchedKeyTotal", watchedKeyTotal);
        params.put("prefix", prefix);
        params.put("putTotal", putTotal());
        params.put("putRate", putRate());
        params.put("putClients", putClients);
        params.put("keySize", keySize);
        params.put("valSize", valSize);
        Map<String, Object> extra = o.figures();
        String name = spec.name();
        new Results("hawser bench", name, List.copyOf(spec.commandLine().getParseResult().originalArgs()),
                Instant.now().toString(), connection.endpointStrings(), params,
                List.of(o.create(), o.puts(), o.events()), extra)
                .write(output.files(name), o.events(), out);
        out.flush();
        if (o.received() < o.expected()) {
            throw new BenchException("only " + o.received() + " of " + o.expected() + " events arrived within "
                    + drainTimeout.toSeconds() + " s of the last put");
        }
        return 0;
    }

    Outcome measure(Connections conns, String name) throws InterruptedException {
        int nWatchers = watchers();
        int nPuts = (int) putTotal();
        String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt() & Integer.MAX_VALUE);
        ByteString keyPrefix = ByteString.copyFromUtf8("/bw/" + tag + "/");
        ByteString[] keys = new ByteString[watchedKeyTotal];
        for (int k = 0; k < keys.length; k++) {
            keys[k] = pad(keyPrefix.concat(ByteString.copyFromUtf8(Integer.toString(k))), keySize);
        }
        long[] watchersOnKey = new long[keys.length];
        for (int w = 0; w < nWatchers; w++) {
            watchersOnKey[w % keys.length]++;
        }
        long expected = 0;
        for (long seq = 0; seq < nPuts; seq++) {
            expected += prefix ? nWatchers : watchersOnKey[(int) (seq % keys.length)];
        }

        AtomicLongArray sentAt = new AtomicLongArray(nPuts);
        LatencyRecorder createLatency = new LatencyRecorder(System.nanoTime());
        LatencyRecorder eventLatency = new LatencyRecorder(System.nanoTime());
        LongAdder received = new LongAdder();
        LongAdder responses = new LongAdder();
        LongAdder canceled = new LongAdder();
        AtomicLong lastEvent = new AtomicLong();
        CountDownLatch created = new CountDownLatch(nWatchers);
        CountDownLatch allEvents = new CountDownLatch(1);
        long expectedEvents = expected;

        List<StreamObserver<WatchRequest>> requests = new ArrayList<>();
        List<Queue<Long>> createSent = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            Queue<Long> pendingCreates = new ConcurrentLinkedQueue<>();
            createSent.add(pendingCreates);
            requests.add(WatchGrpc.newStub(conns.channel(s)).watch(new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse r) {
                    long now = System.nanoTime();
                    if (r.getCreated()) {
                        Long sent = pendingCreates.poll();
                        createLatency.success(sent == null ? 0 : now - sent, now);
                        created.countDown();
                    }
                    if (r.getCanceled()) {
                        canceled.increment();
                        if (!r.getCreated()) {
                            created.countDown();
                        }
                    }
                    if (r.getEventsCount() > 0) {
                        responses.increment();
                    }
                    for (Event e : r.getEventsList()) {
                        if (e.getType() != Event.EventType.PUT || e.getKv().getValue().size() < SEQ_BYTES) {
                            continue;
                        }
                        int seq = (int) e.getKv().getValue().substring(0, SEQ_BYTES).asReadOnlyByteBuffer().getLong();
                        if (seq >= 0 && seq < nPuts) {
                            eventLatency.success(now - sentAt.get(seq), now);
                        }
                        received.increment();
                        lastEvent.set(now);
                    }
                    if (received.sum() >= expectedEvents) {
                        allEvents.countDown();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    eventLatency.error(t, System.nanoTime());
                    allEvents.countDown();
                    while (created.getCount() > 0 && pendingCreates.poll() != null) {
                        created.countDown();
                    }
                }

                @Override
                public void onCompleted() {
                }
            }));
        }
        try {
            long start = System.nanoTime();
            createLatency.start(start);
            for (int w = 0; w < nWatchers; w++) {
                int s = w % streams;
                WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder();
                if (prefix) {
                    create.setKey(keyPrefix).setRangeEnd(prefixEnd(keyPrefix));
                } else {
                    create.setKey(keys[w % keys.length]);
                }
                createSent.get(s).add(System.nanoTime());
                requests.get(s).onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
            }
            if (!created.await(Math.max(30, connection.requestTimeout.toSeconds()), TimeUnit.SECONDS)) {
                throw new BenchException("only " + (nWatchers - created.getCount()) + " of " + nWatchers
                        + " watchers were created in time");
            }
            if (canceled.sum() > 0) {
                throw new BenchException(canceled.sum() + " watch creations were refused by the server");
            }
            RunResult create = createLatency.finish(name + " watch-create", createLatency.lastEventNanos());

            ByteString padding = ByteString.copyFrom(new byte[valSize - SEQ_BYTES]);
            KVGrpc.KVStub[] stubs = new KVGrpc.KVStub[conns.size()];
            for (int i = 0; i < stubs.length; i++) {
                stubs[i] = KVGrpc.newStub(conns.channel(i));
            }
            long timeout = connection.requestTimeoutMillis();
            Operation put = (client, seq, done) -> {
                ByteString value = ByteString.copyFrom(ByteBuffer.allocate(SEQ_BYTES).putLong(0, seq)).concat(padding);
                sentAt.set((int) seq, System.nanoTime());
                stubs[client % stubs.length].withDeadlineAfter(timeout, TimeUnit.MILLISECONDS)
                        .put(PutRequest.newBuilder().setKey(keys[(int) (seq % keys.length)]).setValue(value).build(),
                                done.observer());
            };
            long putsStart = System.nanoTime();
            eventLatency.start(putsStart);
            RunResult puts = LoadRunner.run(new LoadRunner.Plan(name + " put", putClients, nPuts, null, putRate(),
                    output.progress()), put);
            allEvents.await(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
            long end = Math.max(lastEvent.get(), putsStart + 1);
            RunResult events = eventLatency.finish(name + " events", end);
            long got = received.sum();
            double perSec = got / ((end - putsStart) / 1e9);
            return new Outcome(create, puts, events, expected, got, perSec, canceled.sum(), responses.sum());
        } finally {
            for (StreamObserver<WatchRequest> r : requests) {
                try {
                    // The server keeps a watch stream open after a half-close; cancel it so the channel can close.
                    ((ClientCallStreamObserver<WatchRequest>) r).cancel("benchmark done", null);
                } catch (RuntimeException ignored) {
                    // stream already failed
                }
            }
        }
    }

    private static ByteString pad(ByteString key, int size) {
        if (key.size() >= size) {
            return key;
        }
        return key.concat(ByteString.copyFromUtf8("_".repeat(size - key.size())));
    }

    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }
}
