package dev.hawser.kvstore.mvcc;

import java.util.Arrays;

/**
 * One life of a key: the revisions from the put that created it up to (and including) the tombstone that ended
 * it, if any (etcd's {@code generation}). Revisions are kept as (main, sub) pairs in one {@code long[]}: a
 * store holds millions of them between compactions, and objects would double the memory.
 */
final class Generation {
    private static final long[] NONE = new long[0];

    /** Revisions ever appended, tombstone included. Survives compaction, so versions stay derivable. */
    private long version;
    /** Main revision of the put that created this generation; 0 if compaction removed it before a restore. */
    private long createRevision;
    /** main0, sub0, main1, sub1, ... ascending. */
    private long[] revs = NONE;
    private int size;

    Generation() {
    }

    /** A generation restored from storage, where older revisions may already be compacted away. */
    Generation(long createRevision, long version, Revision latest) {
        append(latest.main(), latest.sub());
        this.createRevision = createRevision;
        this.version = version;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    long version() {
        return version;
    }

    long createRevision() {
        return createRevision;
    }

    long main(int index) {
        return revs[2 * index];
    }

    Revision revision(int index) {
        return new Revision(revs[2 * index], revs[2 * index + 1]);
    }

    /** Main revision of the last revision: the tombstone, for any generation but a key's newest. */
    long lastMain() {
        return main(size - 1);
    }

    void append(long main, long sub) {
        if (size == 0) {
            createRevision = main;
        }
        if (2 * size == revs.length) {
            revs = Arrays.copyOf(revs, Math.max(4, revs.length * 2));
        }
        revs[2 * size] = main;
        revs[2 * size + 1] = sub;
        size++;
        version++;
    }

    /** Index of the newest revision whose main revision is {@code <= atRev}, or -1 if none. */
    int findRevisionIndex(long atRev) {
        int lo = 0;
        int hi = size - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (main(mid) <= atRev) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Forgets the revisions before {@code index}, returning their memory. */
    void dropBefore(int index) {
        if (index == 0) {
            return;
        }
        size -= index;
        revs = Arrays.copyOfRange(revs, 2 * index, 2 * index + 2 * size);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            out.append(i == 0 ? "" : ", ").append(revision(i));
        }
        return out.append('}').toString();
    }
}
