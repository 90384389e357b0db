package dev.hawser.kvstore.auth;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.KeyOrder;

/**
 * A half-open key interval {@code [start, end)} read the way etcd reads a (key, range_end) pair: an empty end is the
 * single key, an end of {@code "\0"} is every key from {@code start} on (null end here). Permissions and requests
 * are both turned into intervals before they are compared, so that a from-key request can never be mistaken for a
 * single key (etcd's GHSA-xg4h-6gfc-h4m8 compared them before normalising).
 */
record KeyInterval(ByteString start, ByteString end) {
    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    static KeyInterval of(ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            return new KeyInterval(key, key.concat(ZERO));
        }
        if (rangeEnd.equals(ZERO)) {
            return new KeyInterval(key, null);
        }
        return new KeyInterval(key, rangeEnd);
    }

    boolean unbounded() {
        return end == null;
    }

    /** True when the interval holds no key at all (an end at or before the start). */
    boolean empty() {
        return end != null && KeyOrder.UNSIGNED.compare(start, end) >= 0;
    }

    /** Compares interval ends, an unbounded end being the greatest. */
    static int compareEnds(ByteString a, ByteString b) {
        if (a == null || b == null) {
            return a == b ? 0 : a == null ? 1 : -1;
        }
        return KeyOrder.UNSIGNED.compare(a, b);
    }
}
