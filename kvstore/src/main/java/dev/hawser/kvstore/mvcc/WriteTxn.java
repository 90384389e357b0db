package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The write transaction (etcd's {@code storeTxnWrite}). It runs under the store's write lock, so it updates the
 * index in place: readers wait for the lock and read at revisions the transaction does not touch. Records go
 * into the caller's batch; until it is committed, a range inside the transaction finds the records of its
 * {@link StoreWriteGroup} (its own, and those of the group's earlier transactions) there, not on disk.
 */
final class WriteTxn extends StoreTxn implements TxnWrite {
    private final StoreWriteGroup group;
    private final BatchTx batch;
    /** The store revision when the transaction began; its changes are written at {@code beginRev + 1}. */
    private final long beginRev;
    private final List<Event> changes = new ArrayList<>(4);
    private boolean closed;

    WriteTxn(KvStore store, StoreWriteGroup group, BatchTx batch, long beginRev) {
        super(store);
        this.group = group;
        this.batch = batch;
        this.beginRev = beginRev;
    }

    @Override
    public long rev() {
        return changes.isEmpty() ? beginRev : beginRev + 1;
    }

    @Override
    public void put(ByteString key, ByteString value, long lease) {
        checkOpen();
        long main = beginRev + 1;
        Revision rev = new Revision(main, changes.size());
        IndexEntry previous = store.index().get(key, main);
        KeyValue kv = KeyValue.newBuilder()
                .setKey(key)
                .setValue(value)
                .setCreateRevision(previous == null ? main : previous.createRevision())
                .setModRevision(main)
                .setVersion(previous == null ? 1 : previous.version() + 1)
                .setLease(lease)
                .build();
        batch.put(Cf.KEY, rev.toBytes(), kv.toByteArray());
        long previousLease = store.index().put(key, rev, lease);
        changes.add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
        if (previousLease != lease) {
            LeaseAttacher attacher = store.leaseAttacher();
            if (previousLease != 0) {
                attacher.detach(previousLease, key);
            }
            if (lease != 0) {
                attacher.attach(lease, key);
            }
        }
    }

    @Override
    public long deleteRange(ByteString key, ByteString end) {
        checkOpen();
        List<ByteString> keys = store.index().keys(KeyRange.of(key, end), rev());
        for (ByteString deleted : keys) {
            delete(deleted);
        }
        return keys.size();
    }

    private void delete(ByteString key) {
        long main = beginRev + 1;
        Revision rev = new Revision(main, changes.size());
        KeyValue tombstone = KeyValues.tombstone(key, main);
        batch.put(Cf.KEY, rev.toTombstoneBytes(), tombstone.toByteArray());
        long previousLease = store.index().tombstone(key, rev);
        changes.add(Event.newBuilder().setType(Event.EventType.DELETE).setKv(tombstone).build());
        if (previousLease != 0) {
            store.leaseAttacher().detach(previousLease, key);
        }
    }

    @Override
    public List<Event> changes() {
        return Collections.unmodifiableList(changes);
    }

    @Override
    List<KeyValue> fetch(List<Revision> revisions) {
        long committedRev = group.committedRev();
        List<Revision> committed = new ArrayList<>(revisions.size());
        for (Revision rev : revisions) {
            if (rev.main() <= committedRev) {
                committed.add(rev);
            }
        }
        if (committed.size() == revisions.size()) {
            return KeyValues.fetch(store.backend(), null, revisions);
        }
        // Merge the group's uncommitted records with the committed ones, keeping key order.
        List<KeyValue> fromDisk = committed.isEmpty() ? List.of() : KeyValues.fetch(store.backend(), null, committed);
        List<KeyValue> kvs = new ArrayList<>(revisions.size());
        int next = 0;
        for (Revision rev : revisions) {
            kvs.add(rev.main() > committedRev ? group.pendingRecord(rev) : fromDisk.get(next++));
        }
        return kvs;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        group.txnClosed(this);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("write transaction already closed");
        }
    }
}
