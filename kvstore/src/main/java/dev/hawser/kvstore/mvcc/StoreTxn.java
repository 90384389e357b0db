package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import dev.hawser.proto.mvccpb.KeyValue;
import java.util.List;

/**
 * The range logic read and write transactions share (etcd's {@code storeTxnCommon.rangeKeys}): check the
 * revision, ask the index which records to read, then fetch them the way the subclass can.
 */
abstract class StoreTxn implements ReadView {
    final KvStore store;

    StoreTxn(KvStore store) {
        this.store = store;
    }

    @Override
    public long firstRev() {
        return store.compactRev();
    }

    @Override
    public final RangeResult range(ByteString key, ByteString end, RangeOptions opts) throws MvccException {
        long current = rev();
        if (opts.rev() > current) {
            throw new FutureRevException();
        }
        long atRev = opts.rev() > 0 ? opts.rev() : current;
        IndexRange found = store.lookup(KeyRange.of(key, end), atRev, opts);
        List<KeyValue> kvs = found.revisions().isEmpty() ? List.of() : fetch(found.revisions());
        return new RangeResult(kvs, current, found.total());
    }

    /** The records of {@code revisions}, in the same order. */
    abstract List<KeyValue> fetch(List<Revision> revisions);
}
