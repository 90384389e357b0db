package dev.hawser.bench.jmh;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.MvccException;
import dev.hawser.kvstore.mvcc.RangeOptions;
import dev.hawser.kvstore.mvcc.RangeResult;
import dev.hawser.kvstore.mvcc.TxnRead;
import dev.hawser.kvstore.mvcc.TxnWrite;
import dev.hawser.kvstore.storage.BatchTx;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
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
 * MVCC on RocksDB without Raft or gRPC: a write transaction with one or many puts (index update, record encoding,
 * RocksDB batch commit without fsync, as the apply path commits), and point / 100-key range reads from a store
 * holding {@code keys} keys.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MvccBenchmark {
    @Param({"10000"})
    int keys;

    @Param({"256"})
    int valueSize;

    private TempStore store;
    private ByteString value;
    private ByteString[] keyNames;
    private long next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        store = new TempStore();
        byte[] v = new byte[valueSize];
        ThreadLocalRandom.current().nextBytes(v);
        value = ByteString.copyFrom(v);
        keyNames = new ByteString[keys];
        for (int i = 0; i < keys; i++) {
            keyNames[i] = ByteString.copyFromUtf8(String.format("/registry/pods/default/pod-%08d", i));
        }
        for (int i = 0; i < keys; i += 1000) {
            try (BatchTx batch = store.backend.newBatch(); TxnWrite w = store.kv.write(batch)) {
                for (int j = i; j < Math.min(keys, i + 1000); j++) {
                    w.put(keyNames[j], value, 0);
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
    }

    private ByteString nextKey() {
        return keyNames[(int) (next++ % keys)];
    }

    /** One etcd Put: one write transaction, one new revision. */
    @Benchmark
    public long putOne() {
        try (BatchTx batch = store.backend.newBatch(); TxnWrite w = store.kv.write(batch)) {
            w.put(nextKey(), value, 0);
        }
        return store.kv.rev();
    }

    /** A Txn of 64 puts: one revision, 64 sub-revisions, one RocksDB batch. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long putTxn64() {
        try (BatchTx batch = store.backend.newBatch(); TxnWrite w = store.kv.write(batch)) {
            for (int i = 0; i < 64; i++) {
                w.put(nextKey(), value, 0);
            }
        }
        return store.kv.rev();
    }

    /** A point read at the current revision (snapshot, index lookup, RocksDB get, record decode). */
    @Benchmark
    public RangeResult rangeOne() throws MvccException {
        try (TxnRead r = store.kv.read()) {
            return r.range(keyNames[ThreadLocalRandom.current().nextInt(keys)], ByteString.EMPTY, RangeOptions.ALL);
        }
    }

    /** 100 consecutive keys (a small list). */
    @Benchmark
    public RangeResult range100() throws MvccException {
        int from = ThreadLocalRandom.current().nextInt(keys - 100);
        try (TxnRead r = store.kv.read()) {
            return r.range(keyNames[from], keyNames[from + 100], RangeOptions.ALL);
        }
    }
}
