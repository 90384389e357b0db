package dev.hawser.bench.jmh;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.mvcc.TxnWrite;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.MetaKeys;
import dev.hawser.kvstore.txn.LeaseLookup;
import dev.hawser.kvstore.txn.Txns;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
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
 * What the state machine does per committed entry, through the public API: open a batch, write the applied
 * index and term (MetaKeys), run the request through {@link Txns} in one MVCC write transaction, commit. This is
 * {@code raft.Applier#apply} without Ratis and without decoding the log entry ({@code Applier} and
 * {@code KvStateMachine#applyTransaction} need a running RaftServer, so they are not benchmarked directly).
 * {@code batch} entries are applied per invocation, as Ratis hands the state machine a run of committed entries.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ApplyBenchmark {
    @Param({"1", "100"})
    int batch;

    @Param({"1", "10"})
    int putsPerEntry;

    private TempStore store;
    private Txns txns;
    private PutRequest[] puts;
    private TxnRequest[] txnEntries;
    private long index;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        store = new TempStore();
        txns = new Txns(LeaseLookup.NONE);
        byte[] v = new byte[256];
        ThreadLocalRandom.current().nextBytes(v);
        ByteString value = ByteString.copyFrom(v);
        puts = new PutRequest[4096];
        for (int i = 0; i < puts.length; i++) {
            puts[i] = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/registry/k/" + i)).setValue(value).build();
        }
        txnEntries = new TxnRequest[puts.length / putsPerEntry];
        for (int i = 0; i < txnEntries.length; i++) {
            TxnRequest.Builder t = TxnRequest.newBuilder();
            for (int j = 0; j < putsPerEntry; j++) {
                t.addSuccess(RequestOp.newBuilder().setRequestPut(puts[i * putsPerEntry + j]));
            }
            txnEntries[i] = t.build();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
    }

    /** Operations per second are entries applied per second times {@code batch}. */
    @Benchmark
    public long applyEntries() throws EtcdException {
        long rev = 0;
        for (int e = 0; e < batch; e++) {
            long i = ++index;
            try (BatchTx b = store.backend.newBatch()) {
                MetaKeys.CONSISTENT_INDEX.writeLong(b, i);
                MetaKeys.CONSISTENT_TERM.writeLong(b, 1);
                try (TxnWrite w = store.kv.write(b)) {
                    if (putsPerEntry == 1) {
                        rev = txns.put(w, puts[(int) (i % puts.length)]).getHeader().getRevision();
                    } else {
                        rev = txns.txn(w, txnEntries[(int) (i % txnEntries.length)]).getHeader().getRevision();
                    }
                }
            }
        }
        return rev;
    }
}
