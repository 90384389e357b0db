package dev.hawser.kvstore.mvcc;

import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.MetaKeys;
import java.util.Set;

/** Physical compaction (etcd's {@code kvstore_compaction.go}): deletes the records the index no longer names. */
final class Compactor {
    private Compactor() {
    }

    /**
     * Deletes every record at or below {@code compactRev} whose revision is not in {@code keep}, committing every
     * {@code batchLimit} deletions so that no single write grows without bound, then records the compaction as
     * finished. Scans the disk rather than trusting the index alone, so records an interrupted compaction or
     * restore left behind are removed too.
     */
    static void deleteSuperseded(Backend backend, long compactRev, Set<Revision> keep, int batchLimit) {
        try (BatchTx batch = backend.newBatch()) {
            backend.scanKeys(Cf.KEY, null, Revision.startOf(compactRev + 1), key -> {
                if (!keep.contains(Revision.fromBytes(key))) {
                    batch.delete(Cf.KEY, key);
                    if (batch.size() >= batchLimit) {
                        backend.commit(batch);
                    }
                }
                return true;
            });
            MetaKeys.FINISHED_COMPACT_REV.writeLong(batch, compactRev);
            backend.commit(batch);
        }
    }
}
