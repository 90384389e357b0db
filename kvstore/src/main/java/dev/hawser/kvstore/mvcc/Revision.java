package dev.hawser.kvstore.mvcc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One change in the store: {@code main} is the store revision of the write transaction, {@code sub} the
 * position of the change inside it (etcd's {@code revision.go}).
 *
 * <p>On disk a revision is the key of a record in the {@code key} column family: 8 bytes big-endian main, '_', 8 bytes big-endian sub, and a
 * trailing 't' for tombstones. Big-endian makes RocksDB's byte order the revision order, so history scans are
 * sequential reads.
 */
record Revision(long main, long sub) implements Comparable<Revision> {
    static final int BYTES = 17;
    static final int TOMBSTONE_BYTES = 18;
    private static final byte SEPARATOR = '_';
    private static final byte TOMBSTONE_MARK = 't';
    private static final VarHandle BIG_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    byte[] toBytes() {
        return encode(BYTES);
    }

    byte[] toTombstoneBytes() {
        byte[] bytes = encode(TOMBSTONE_BYTES);
        bytes[BYTES] = TOMBSTONE_MARK;
        return bytes;
    }

    /** The smallest key of revision {@code main}: a scan bound that includes or excludes all of it. */
    static byte[] startOf(long main) {
        return new Revision(main, 0).toBytes();
    }

    static Revision fromBytes(byte[] bytes) {
        if (bytes.length != BYTES && bytes.length != TOMBSTONE_BYTES) {
            throw new IllegalArgumentException("not a revision key: " + bytes.length + " bytes");
        }
        return new Revision((long) BIG_ENDIAN_LONG.get(bytes, 0), (long) BIG_ENDIAN_LONG.get(bytes, Long.BYTES + 1));
    }

    static boolean isTombstone(byte[] bytes) {
        return bytes.length == TOMBSTONE_BYTES && bytes[BYTES] == TOMBSTONE_MARK;
    }

    @Override
    public int compareTo(Revision other) {
        int byMain = Long.compare(main, other.main);
        return byMain != 0 ? byMain : Long.compare(sub, other.sub);
    }

    private byte[] encode(int length) {
        byte[] bytes = new byte[length];
        BIG_ENDIAN_LONG.set(bytes, 0, main);
        bytes[Long.BYTES] = SEPARATOR;
        BIG_ENDIAN_LONG.set(bytes, Long.BYTES + 1, sub);
        return bytes;
    }

    @Override
    public String toString() {
        return main + "." + sub;
    }
}
