package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import dev.hawser.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ObjLongConsumer;

/**
 * Every key's {@link KeyIndex}, in key order (etcd's {@code index.go}): answers "which record holds key k at
 * revision r" without touching disk. Not thread-safe: {@link KvStore}'s lock guards it, and readers only ever
 * look at revisions the writer has finished.
 */
final class TreeIndex {
    private final TreeMap<ByteString, KeyIndex> tree = new TreeMap<>(KeyOrder.UNSIGNED);

    /** The key at {@code atRev}, or null if it did not exist then. */
    IndexEntry get(ByteString key, long atRev) {
        KeyIndex ki = tree.get(key);
        return ki == null ? null : ki.get(atRev);
    }

    /** Records a put; returns the lease the key had until now (0 if none or absent). */
    long put(ByteString key, Revision rev, long lease) {
        KeyIndex ki = tree.computeIfAbsent(key, KeyIndex::new);
        long previousLease = ki.lease();
        ki.put(rev.main(), rev.sub(), lease);
        return previousLease;
    }

    /** Records a deletion of a live key; returns the lease it had (0 if none). */
    long tombstone(ByteString key, Revision rev) {
        KeyIndex ki = tree.get(key);
        long previousLease = ki == null ? 0 : ki.lease();
        if (ki == null || !ki.tombstone(rev.main(), rev.sub())) {
            throw new IllegalStateException("tombstone on absent key " + key.toStringUtf8());
        }
        return previousLease;
    }

    /** The keys in {@code range} that exist at {@code atRev}, in key order. */
    List<ByteString> keys(KeyRange range, long atRev) {
        List<ByteString> keys = new ArrayList<>();
        for (KeyIndex ki : range.select(tree)) {
            if (ki.get(atRev) != null) {
                keys.add(ki.key());
            }
        }
        return keys;
    }

    /** The records of the first {@code limit} keys (all if {@code limit <= 0}) in {@code range} at {@code atRev}. */
    IndexRange revisions(KeyRange range, long atRev, long limit) {
        List<Revision> revisions = new ArrayList<>();
        long total = 0;
        for (KeyIndex ki : range.select(tree)) {
            IndexEntry entry = ki.get(atRev);
            if (entry != null) {
                if (limit <= 0 || revisions.size() < limit) {
                    revisions.add(entry.modified());
                }
                total++;
            }
        }
        return new IndexRange(revisions, total);
    }

    long count(KeyRange range, long atRev) {
        long total = 0;
        for (KeyIndex ki : range.select(tree)) {
            if (ki.get(atRev) != null) {
                total++;
            }
        }
        return total;
    }

    /** Compacts every key at {@code atRev}; returns the revisions whose records must stay on disk. */
    Set<Revision> compact(long atRev) {
        Set<Revision> available = new HashSet<>();
        for (Iterator<KeyIndex> it = tree.values().iterator(); it.hasNext(); ) {
            KeyIndex ki = it.next();
            ki.compact(atRev, available);
            if (ki.isEmpty()) {
                it.remove();
            }
        }
        return available;
    }

    /** The revisions a compaction at {@code atRev} would keep, minus tombstones; changes nothing. */
    Set<Revision> keep(long atRev) {
        Set<Revision> available = new HashSet<>();
        for (KeyIndex ki : tree.values()) {
            ki.keep(atRev, available);
        }
        return available;
    }

    /** Rebuilds the index from one stored record; records must arrive in revision order. */
    void restore(Revision rev, boolean tombstone, KeyValue kv) {
        ByteString key = kv.getKey();
        KeyIndex ki = tree.get(key);
        if (ki == null) {
            tree.put(key, tombstone
                    ? KeyIndex.restoredTombstone(key, rev)
                    : KeyIndex.restored(key, kv.getCreateRevision(), rev, kv.getVersion(), kv.getLease()));
        } else if (tombstone) {
            ki.tombstone(rev.main(), rev.sub());
        } else {
            ki.put(rev.main(), rev.sub(), kv.getLease());
        }
    }

    /** Visits every live key that has a lease. */
    void forEachLease(ObjLongConsumer<ByteString> visitor) {
        for (KeyIndex ki : tree.values()) {
            if (ki.lease() != 0) {
                visitor.accept(ki.key(), ki.lease());
            }
        }
    }
}
