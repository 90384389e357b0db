package dev.hawser.bench.jmh;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.watch.KvSource;
import dev.hawser.kvstore.watch.WatchHub;
import dev.hawser.kvstore.watch.WatchSink;
import dev.hawser.kvstore.watch.Watcher;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A committed revision's way from the store to the watchers' streams: {@link WatchHub#onCommit} finds the synced
 * watchers that want the event and offers it to their sinks, then {@link WatchHub#afterCommits} tells each sink
 * that got something to send. The sinks here only count, so this is the hub's own cost per commit; encoding and
 * gRPC come after it, on the streams' threads.
 *
 * <p>{@code shape}: {@code sameKey}, every watcher on the key each commit writes (fan-out: a commit reaches all);
 * {@code ownKey}, every watcher on a key of its own, each commit writing one of them (a commit reaches one, as
 * with lock waiters or per-object watches); {@code prefix}, every watcher on a prefix the key is under.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WatchFanOutBenchmark {
    @Param({"1000", "10000"})
    int watchers;

    @Param({"sameKey", "ownKey", "prefix"})
    String shape;

    /** Watchers per stream, as in the load tool's default of 10 streams for 1,000 watchers. */
    private static final int WATCHERS_PER_SINK = 100;

    private WatchHub hub;
    private ByteString[] keys;
    private long rev;

    @Setup(Level.Trial)
    public void setUp() {
        hub = new WatchHub(new KvSource() {
            @Override
            public <T, E extends Exception> T withKv(KvFunction<T, E> fn) {
                throw new IllegalStateException("synced watchers never read history");
            }
        });
        keys = new ByteString[shape.equals("ownKey") ? watchers : 1];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = ByteString.copyFromUtf8("/registry/pods/default/p" + i);
        }
        ByteString prefix = ByteString.copyFromUtf8("/registry/pods/");
        ByteString prefixEnd = ByteString.copyFromUtf8("/registry/pods0");
        boolean onPrefix = shape.equals("prefix");
        CountingSink sink = null;
        for (int i = 0; i < watchers; i++) {
            if (i % WATCHERS_PER_SINK == 0) {
                sink = new CountingSink();
            }
            hub.add(new Watcher(i, onPrefix ? prefix : keys[i % keys.length], onPrefix ? prefixEnd : ByteString.EMPTY,
                    false, false, false, false, 1, sink));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        hub.close();
    }

    /** One revision with one put, announced and flushed. */
    @Benchmark
    public long commit() {
        long r = ++rev;
        ByteString key = keys[(int) (r % keys.length)];
        hub.onCommit(r, List.of(Event.newBuilder().setType(Event.EventType.PUT)
                .setKv(KeyValue.newBuilder().setKey(key).setModRevision(r).setCreateRevision(1).setVersion(r)).build()));
        hub.afterCommits();
        return r;
    }

    /** A stream that takes everything at once and only counts it. */
    private static final class CountingSink implements WatchSink {
        long events;
        long flushes;

        @Override
        public boolean offer(Watcher w, long headerRevision, List<Event> offered) {
            events += offered.size();
            return true;
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void compacted(Watcher w, long compactRevision) {
            throw new IllegalStateException("nothing is compacted here");
        }

        @Override
        public boolean hasRoom() {
            return true;
        }
    }
}
