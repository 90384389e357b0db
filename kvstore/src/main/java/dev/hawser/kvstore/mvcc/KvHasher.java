package dev.hawser.kvstore.mvcc;

import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.ReadSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.zip.CRC32C;

/** etcd's HashKV ({@code hash.go}): a checksum that replicas with the same history agree on. */
final class KvHasher {
    private KvHasher() {
    }

    /**
     * CRC-32C, seeded with the column family name like etcd's bucket name, over (revision key, record) of every
     * record up to {@code rev}. Records at or below {@code compactRev} count only if a compaction would keep
     * them ({@code keep}), so the hash does not depend on how far physical compaction has got on each replica.
     */
    static int hash(Backend backend, ReadSnapshot snapshot, long compactRev, long rev, Set<Revision> keep) {
        CRC32C crc = new CRC32C();
        crc.update(Cf.KEY.columnFamilyName().getBytes(StandardCharsets.US_ASCII));
        backend.scan(snapshot, Cf.KEY, null, Revision.startOf(rev + 1), (key, value) -> {
            Revision r = Revision.fromBytes(key);
            if (r.main() > compactRev || keep.contains(r)) {
                crc.update(key);
                crc.update(value);
            }
            return true;
        });
        return (int) crc.getValue();
    }
}
