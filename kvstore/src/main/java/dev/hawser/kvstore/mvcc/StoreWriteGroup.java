package dev.hawser.kvstore.mvcc;

import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link WriteGroup} on {@link KvStore}; also what a lone {@link KV#write} runs in (a group that ends with its
 * one transaction). Created with the store's write lock held, which {@link KvStore#endGroup} releases.
 */
final class StoreWriteGroup implements WriteGroup {
    private final KvStore store;
    private final BatchTx batch;
    /** The store's published revision when the group began; everything above it is still in {@link #pending}. */
    private final long committedRev;
    private final boolean endsWithFirstTxn;
    /** The changes of each revision the group made so far: committedRev + 1 + i. */
    private final List<List<Event>> pending = new ArrayList<>();
    private WriteTxn open;
    private boolean ended;

    StoreWriteGroup(KvStore store, BatchTx batch, long committedRev, boolean endsWithFirstTxn) {
        this.store = store;
        this.batch = batch;
        this.committedRev = committedRev;
        this.endsWithFirstTxn = endsWithFirstTxn;
    }

    @Override
    public TxnWrite next() {
        if (ended) {
            throw new IllegalStateException("write group already ended");
        }
        if (open != null) {
            throw new IllegalStateException("the previous transaction of the group is still open");
        }
        open = new WriteTxn(store, this, batch, rev());
        return open;
    }

    @Override
    public long rev() {
        return committedRev + pending.size();
    }

    long committedRev() {
        return committedRev;
    }

    /** The record a transaction of this group wrote at {@code rev} ({@code rev.main() > committedRev()}). */
    KeyValue pendingRecord(Revision rev) {
        int i = (int) (rev.main() - committedRev - 1);
        List<Event> changes = i < pending.size() ? pending.get(i) : open.changes();
        return changes.get((int) rev.sub()).getKv();
    }

    /** Called by the group's open transaction when it closes. */
    void txnClosed(WriteTxn txn) {
        if (txn != open) {
            throw new IllegalStateException("not this group's open transaction");
        }
        open = null;
        List<Event> changes = txn.changes();
        if (!changes.isEmpty()) {
            pending.add(changes);
        }
        if (endsWithFirstTxn) {
            close();
        }
    }

    @Override
    public void abandon() {
        if (ended) {
            return;
        }
        ended = true;
        store.abandonGroup();
    }

    @Override
    public void close() {
        if (ended) {
            return;
        }
        if (open != null) {
            open.close();
            if (ended) {
                return;
            }
        }
        ended = true;
        store.endGroup(batch, committedRev, pending);
    }
}
