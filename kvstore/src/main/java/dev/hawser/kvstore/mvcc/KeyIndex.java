package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The revisions of one key, grouped in generations (etcd's {@code key_index.go}, whose semantics this follows
 * exactly). A put appends to the newest generation; a tombstone appends to it and then opens a new, empty one.
 * A key always has at least one generation, and the newest is empty exactly when the key is deleted.
 *
 * <p>For example, put(1.0); put(2.0); tombstone(3.0); put(4.0); tombstone(5.0) on key "foo" gives:
 * <pre>
 *   generations:
 *     {empty}
 *     {4.0, 5.0(t)}
 *     {1.0, 2.0, 3.0(t)}
 * </pre>
 * Compacting at a revision drops every revision at or before it except the newest one, and generations that
 * end before it. A tombstone exactly at the compaction revision stays until the next compaction, so that the
 * deletion is still in the history a watcher starting at the compaction revision replays:
 * <pre>
 *   compact(2): {empty} {4.0, 5.0(t)} {2.0, 3.0(t)}
 *   compact(4): {empty} {4.0, 5.0(t)}
 *   compact(5): {empty} {5.0(t)}
 *   compact(6): {empty}                 → the key is empty and leaves the index
 * </pre>
 * Not thread-safe; {@link TreeIndex}'s callers hold the store lock.
 */
final class KeyIndex {
    private final ByteString key;
    /** Generations, oldest first. Most keys have one or two. */
    private final List<Generation> generations = new ArrayList<>(2);
    private long modifiedMain;
    private long modifiedSub;
    /**
     * Lease of the live incarnation (0 if none or deleted). Not history, only the current attachment: a put
     * must know what it detaches, and reading the previous record from disk for that would cost a lookup.
     */
    private long lease;

    KeyIndex(ByteString key) {
        this.key = key;
    }

    /** A key restored from its oldest surviving record, a put; older revisions may have been compacted. */
    static KeyIndex restored(ByteString key, long createRevision, Revision modified, long version, long lease) {
        KeyIndex index = new KeyIndex(key);
        index.generations.add(new Generation(createRevision, version, modified));
        index.modifiedMain = modified.main();
        index.modifiedSub = modified.sub();
        index.lease = lease;
        return index;
    }

    /**
     * A key whose oldest surviving record is a tombstone: compaction kept the deletion but dropped the creation,
     * so the creation revision is unknown (0). The next compaction removes it.
     */
    static KeyIndex restoredTombstone(ByteString key, Revision tombstone) {
        KeyIndex index = restored(key, 0, tombstone, 1, 0);
        index.generations.add(new Generation());
        return index;
    }

    ByteString key() {
        return key;
    }

    long lease() {
        return lease;
    }

    boolean isEmpty() {
        return generations.size() == 1 && generations.get(0).isEmpty();
    }

    /** Whether the key exists at the newest revision. */
    boolean isLive() {
        return !generations.isEmpty() && !newest().isEmpty();
    }

    void put(long main, long sub, long newLease) {
        if (main < modifiedMain || (main == modifiedMain && sub <= modifiedSub)) {
            throw new IllegalStateException("put at " + main + "." + sub + " not after " + modifiedMain + "."
                    + modifiedSub + " on key " + key.toStringUtf8());
        }
        if (generations.isEmpty()) {
            generations.add(new Generation());
        }
        newest().append(main, sub);
        modifiedMain = main;
        modifiedSub = sub;
        lease = newLease;
    }

    /** Ends the live generation with a tombstone; returns false (and changes nothing) if the key is deleted. */
    boolean tombstone(long main, long sub) {
        if (!isLive()) {
            return false;
        }
        put(main, sub, 0);
        generations.add(new Generation());
        return true;
    }

    /** The key at {@code atRev}, or null if it did not exist then. */
    IndexEntry get(long atRev) {
        Generation g = findGeneration(atRev);
        if (g == null) {
            return null;
        }
        int n = g.findRevisionIndex(atRev);
        if (n < 0) {
            return null;
        }
        return new IndexEntry(g.revision(n), g.createRevision(), g.version() - (g.size() - n - 1));
    }

    /**
     * Drops the revisions {@link #compact} would, adding the revision that stays for {@code atRev} to
     * {@code available}. The caller removes the key when {@link #isEmpty()} afterwards.
     */
    void compact(long atRev, Set<Revision> available) {
        int genIndex = compactionGeneration(atRev);
        // A key deleted and put again in one transaction has two generations at atRev: both keep their revision.
        for (int i = genIndex; i < generations.size() && startsAtOrBefore(i, atRev); i++) {
            Generation g = generations.get(i);
            int revIndex = g.findRevisionIndex(atRev);
            if (revIndex >= 0) {
                available.add(g.revision(revIndex));
                g.dropBefore(revIndex);
            }
        }
        generations.subList(0, genIndex).clear();
    }

    /**
     * Adds to {@code available} the revision a compaction at {@code atRev} would keep, without changing anything.
     * Unlike {@link #compact}, a tombstone at {@code atRev} is not kept: hashes must not depend on whether that
     * tombstone is still on disk.
     */
    void keep(long atRev, Set<Revision> available) {
        if (isEmpty()) {
            return;
        }
        int genIndex = compactionGeneration(atRev);
        for (int i = genIndex; i < generations.size() && startsAtOrBefore(i, atRev); i++) {
            Generation g = generations.get(i);
            int revIndex = g.findRevisionIndex(atRev);
            boolean tombstone = revIndex == g.size() - 1 && i != generations.size() - 1;
            if (revIndex >= 0 && !tombstone) {
                available.add(g.revision(revIndex));
            }
        }
    }

    /** Whether generation {@code i} has a revision at or before {@code atRev} (the first one always counts). */
    private boolean startsAtOrBefore(int i, long atRev) {
        Generation g = generations.get(i);
        return i == 0 || (!g.isEmpty() && g.main(0) <= atRev);
    }

    /** The first generation that ends at or after {@code atRev}, or the newest one. */
    private int compactionGeneration(long atRev) {
        int last = generations.size() - 1;
        int index = 0;
        while (index < last && generations.get(index).lastMain() < atRev) {
            index++;
        }
        return index;
    }

    /** The generation alive at {@code rev}, or null if the key did not exist then. */
    private Generation findGeneration(long rev) {
        int last = generations.size() - 1;
        for (int i = last; i >= 0; i--) {
            Generation g = generations.get(i);
            if (g.isEmpty()) {
                continue;
            }
            if (i != last && g.lastMain() <= rev) {
                return null; // deleted at or before rev, and not yet re-created
            }
            if (g.main(0) <= rev) {
                return g;
            }
        }
        return null;
    }

    private Generation newest() {
        return generations.get(generations.size() - 1);
    }

    @Override
    public String toString() {
        return key.toStringUtf8() + " " + generations;
    }
}
