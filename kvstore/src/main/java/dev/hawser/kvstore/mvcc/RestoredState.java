package dev.hawser.kvstore.mvcc;

import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.MetaKeys;

/**
 * What {@link KvStore#open} rebuilds from disk (etcd's {@code store.restore}): the index, from every record in
 * revision order, and the revisions.
 *
 * @param scheduledCompactRev ahead of {@code compactRev} when a crash interrupted a compaction
 */
record RestoredState(TreeIndex index, long currentRev, long compactRev, long scheduledCompactRev) {

    static RestoredState load(Backend backend) {
        long finished = MetaKeys.FINISHED_COMPACT_REV.readLong(backend);
        long scheduled = MetaKeys.SCHEDULED_COMPACT_REV.readLong(backend);
        TreeIndex index = new TreeIndex();
        long[] maxMain = {1};
        backend.scan(Cf.KEY, null, null, (key, value) -> {
            Revision rev = Revision.fromBytes(key);
            index.restore(rev, Revision.isTombstone(key), KeyValues.parse(value));
            maxMain[0] = rev.main();
            return true;
        });
        // A compaction may have deleted every record up to its revision, and the scheduled one was at most the
        // current revision when it started, so neither can be ahead of the store.
        long current = Math.max(maxMain[0], Math.max(finished, scheduled));
        return new RestoredState(index, current, finished, scheduled);
    }
}
