package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import java.util.Collection;
import java.util.List;
import java.util.NavigableMap;

/**
 * The keys an etcd (key, range_end) pair selects. etcd encodes three shapes in two byte strings; decoding them
 * once here keeps the rules out of the index and the transactions.
 */
public final class KeyRange {
    private static final ByteString FROM_KEY_END = ByteString.copyFrom(new byte[] {0});
    private static final KeyRange EMPTY = new KeyRange(ByteString.EMPTY, ByteString.EMPTY, false);

    private final ByteString key;
    /** Exclusive end; null when the range is unbounded above; equal to key for a single key. */
    private final ByteString end;
    private final boolean single;

    private KeyRange(ByteString key, ByteString end, boolean single) {
        this.key = key;
        this.end = end;
        this.single = single;
    }

    /**
     * {@code end} empty: just {@code key}. {@code end} = "\0": every key {@code >= key} (with key "\0" that is
     * every key). Otherwise [key, end), empty when {@code end <= key}.
     */
    static KeyRange of(ByteString key, ByteString end) {
        if (end.isEmpty()) {
            return new KeyRange(key, key, true);
        }
        if (end.equals(FROM_KEY_END)) {
            return new KeyRange(key, null, false);
        }
        if (KeyOrder.UNSIGNED.compare(end, key) <= 0) {
            return EMPTY;
        }
        return new KeyRange(key, end, false);
    }

    /** Whether {@code k} is in etcd's (key, range_end) range, by the rules of {@link #of}. */
    public static boolean contains(ByteString key, ByteString end, ByteString k) {
        if (end.isEmpty()) {
            return k.equals(key);
        }
        int fromKey = KeyOrder.UNSIGNED.compare(k, key);
        return fromKey >= 0 && (end.equals(FROM_KEY_END) || KeyOrder.UNSIGNED.compare(k, end) < 0);
    }

    /** The values of {@code map} whose keys are in this range, in key order. A live view, not a copy. */
    <V> Collection<V> select(NavigableMap<ByteString, V> map) {
        if (single) {
            V value = map.get(key);
            return value == null ? List.of() : List.of(value);
        }
        if (this == EMPTY) {
            return List.of();
        }
        return end == null ? map.tailMap(key, true).values() : map.subMap(key, true, end, false).values();
    }
}
