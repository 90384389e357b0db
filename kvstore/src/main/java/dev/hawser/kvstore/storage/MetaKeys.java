package dev.hawser.kvstore.storage;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The one registry of keys in {@link Cf#META}, after the meta-key names in etcd's {@code schema/bucket.go}.
 * Each value is a big-endian long, so the helpers here are all the META column family needs.
 */
public enum MetaKeys {
    /** Index of the last Raft entry applied to the store; written in the same batch as the entry's effects. */
    CONSISTENT_INDEX("consistent_index"),
    /** Term of that entry. */
    CONSISTENT_TERM("consistent_term"),
    /** Revision of the last compaction started; ahead of {@link #FINISHED_COMPACT_REV} while one is unfinished. */
    SCHEDULED_COMPACT_REV("scheduled_compact_rev"),
    /** Revision of the last compaction whose superseded records are all deleted. */
    FINISHED_COMPACT_REV("finished_compact_rev");

    private static final VarHandle BIG_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final String keyName;
    private final byte[] key;

    MetaKeys(String keyName) {
        this.keyName = keyName;
        this.key = keyName.getBytes(StandardCharsets.US_ASCII);
    }

    public String keyName() {
        return keyName;
    }

    /** The stored value, or 0 when the key was never written (etcd's default for all of these). */
    public long readLong(Backend backend) {
        byte[] value = backend.get(Cf.META, key);
        return value == null ? 0 : decodeLong(value);
    }

    public void writeLong(BatchTx batch, long value) {
        batch.put(Cf.META, key, encodeLong(value));
    }

    public static byte[] encodeLong(long value) {
        byte[] bytes = new byte[Long.BYTES];
        BIG_ENDIAN_LONG.set(bytes, 0, value);
        return bytes;
    }

    public static long decodeLong(byte[] bytes) {
        if (bytes.length != Long.BYTES) {
            throw new IllegalArgumentException("expected " + Long.BYTES + " bytes, got " + bytes.length);
        }
        return (long) BIG_ENDIAN_LONG.get(bytes, 0);
    }
}
