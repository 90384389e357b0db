package dev.hawser.kvstore.mvcc;

/**
 * @param hash       CRC-32C of the history up to {@code rev}
 * @param compactRev the compaction revision when the hash was taken; hashes compare only at equal values
 * @param rev        the revision hashed
 */
public record HashResult(int hash, long compactRev, long rev) {
}
