package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import dev.hawser.proto.mvccpb.KeyValue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding of record keys ({@link Revision}) and record values (a serialized {@code mvccpb.KeyValue}, parsed by
 * {@link KeyValues#parse}). Both types are package-private in hawser-kvstore, so this benchmark lives in the same
 * package name inside the bench module: legal on the class path (no JPMS modules here), and it keeps kvstore's
 * API unchanged.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RevisionBenchmark {
    private long main = 1_000_000;
    private byte[] encoded;
    private Revision a;
    private Revision b;
    private byte[] storedKv;
    private KeyValue kv;

    @Setup
    public void setUp() {
        encoded = new Revision(123_456_789L, 3).toBytes();
        a = new Revision(42, 1);
        b = new Revision(42, 2);
        kv = KeyValue.newBuilder()
                .setKey(ByteString.copyFromUtf8("/registry/pods/default/pod-00001234"))
                .setValue(ByteString.copyFrom(new byte[256]))
                .setCreateRevision(1000).setModRevision(123_456).setVersion(17).build();
        storedKv = kv.toByteArray();
    }

    @Benchmark
    public byte[] revisionToBytes() {
        return new Revision(main++, 0).toBytes();
    }

    @Benchmark
    public Revision revisionFromBytes() {
        return Revision.fromBytes(encoded);
    }

    @Benchmark
    public int revisionCompare() {
        return a.compareTo(b);
    }

    @Benchmark
    public byte[] keyValueEncode() {
        return kv.toByteArray();
    }

    @Benchmark
    public KeyValue keyValueParse() {
        return KeyValues.parse(storedKv);
    }
}
