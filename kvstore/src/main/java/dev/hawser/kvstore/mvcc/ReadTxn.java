package dev.hawser.kvstore.mvcc;

import dev.hawser.kvstore.storage.ReadSnapshot;
import dev.hawser.proto.mvccpb.KeyValue;
import java.util.List;

/**
 * A read view at a fixed revision. Values come from a RocksDB snapshot taken at creation, read outside the
 * store lock: a large range never stalls the writer, and a compaction that starts meanwhile cannot delete a
 * record this view still has to read.
 */
final class ReadTxn extends StoreTxn implements TxnRead {
    private final ReadSnapshot snapshot;
    private final long rev;

    ReadTxn(KvStore store, ReadSnapshot snapshot, long rev) {
        super(store);
        this.snapshot = snapshot;
        this.rev = rev;
    }

    @Override
    public long rev() {
        return rev;
    }

    @Override
    List<KeyValue> fetch(List<Revision> revisions) {
        return KeyValues.fetch(store.backend(), snapshot, revisions);
    }

    @Override
    public void close() {
        snapshot.close();
    }
}
