package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** KeyOrder orders exactly as protobuf's unsigned comparator, on flat and on concatenated strings. */
class KeyOrderPropertyTest {
    @Property(tries = 2000)
    void sameSignAsProtobufsComparator(@ForAll @Size(max = 12) byte[] prefix, @ForAll @Size(max = 6) byte[] a,
                                       @ForAll @Size(max = 6) byte[] b, @ForAll boolean rope) {
        ByteString x = join(prefix, a, rope);
        ByteString y = join(prefix, b, rope);
        int expected = Integer.signum(ByteString.unsignedLexicographicalComparator().compare(x, y));
        assertEquals(expected, Integer.signum(KeyOrder.UNSIGNED.compare(x, y)));
        assertEquals(-expected, Integer.signum(KeyOrder.UNSIGNED.compare(y, x)));
    }

    private static ByteString join(byte[] prefix, byte[] rest, boolean rope) {
        ByteString p = ByteString.copyFrom(prefix);
        ByteString r = ByteString.copyFrom(rest);
        return rope ? p.concat(r) : ByteString.copyFrom(p.concat(r).toByteArray());
    }
}
