package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.proto.mvccpb.KeyValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@link KvStore} on a real RocksDB in a test directory, with one-operation transactions for brevity. */
final class OpenStore implements AutoCloseable {
    private final Path dir;
    private final int compactionBatch;
    Backend backend;
    KvStore kv;

    OpenStore(Path dir) {
        this(dir, KvStore.DEFAULT_COMPACTION_BATCH);
    }

    OpenStore(Path dir, int compactionBatch) {
        this.dir = dir;
        this.compactionBatch = compactionBatch;
        open();
    }

    static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    void reopen() {
        close();
        open();
    }

    long put(String key, String value) {
        return put(key, value, 0);
    }

    /** Returns the revision after the put. */
    long put(String key, String value, long lease) {
        try (BatchTx batch = backend.newBatch(); TxnWrite txn = kv.write(batch)) {
            txn.put(bs(key), bs(value), lease);
        }
        return kv.rev();
    }

    long delete(String key, String end) {
        try (BatchTx batch = backend.newBatch(); TxnWrite txn = kv.write(batch)) {
            return txn.deleteRange(bs(key), bs(end));
        }
    }

    RangeResult range(String key, String end, RangeOptions opts) throws MvccException {
        try (TxnRead txn = kv.read()) {
            return txn.range(bs(key), bs(end), opts);
        }
    }

    /** The key's latest value, or null. */
    KeyValue get(String key) throws MvccException {
        List<KeyValue> kvs = range(key, "", RangeOptions.ALL).kvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    /** Revisions of every record in the key column family, tombstones marked with a trailing "t". */
    List<String> records() {
        List<String> revisions = new ArrayList<>();
        backend.scanKeys(Cf.KEY, null, null, key -> revisions.add(
                Revision.fromBytes(key) + (Revision.isTombstone(key) ? "t" : "")));
        return revisions;
    }

    @Override
    public void close() {
        kv.close();
        backend.close();
    }

    private void open() {
        backend = Backend.open(dir);
        kv = KvStore.open(backend, compactionBatch);
    }
}
