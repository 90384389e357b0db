package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;

import java.util.Comparator;

/**
 * etcd's order of keys (and of values, for sorting and comparing them): unsigned lexicographic bytes, a shorter key
 * before every longer key it starts. The same order as protobuf's {@code ByteString.unsignedLexicographicalComparator},
 * which walks both strings through iterators; this one reads them by index. Keys of one store share long prefixes
 * ("/registry/pods/..."), so the key index, ranges and range watchers spend most of a comparison in that prefix.
 */
public final class KeyOrder implements Comparator<ByteString> {
    public static final KeyOrder UNSIGNED = new KeyOrder();

    private KeyOrder() {
    }

    @Override
    public int compare(ByteString a, ByteString b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            int d = Byte.toUnsignedInt(a.byteAt(i)) - Byte.toUnsignedInt(b.byteAt(i));
            if (d != 0) {
                return d;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
