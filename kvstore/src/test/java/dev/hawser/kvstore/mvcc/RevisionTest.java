package dev.hawser.kvstore.mvcc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class RevisionTest {
    @Test
    void encodesAsBigEndianMainUnderscoreSub() {
        byte[] bytes = new Revision(0x0102, 3).toBytes();
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 2, '_', 0, 0, 0, 0, 0, 0, 0, 3}, bytes);
        assertFalse(Revision.isTombstone(bytes));
    }

    @Test
    void tombstoneAppendsMarkAndDecodesToSameRevision() {
        byte[] bytes = new Revision(7, 1).toTombstoneBytes();
        assertEquals(Revision.TOMBSTONE_BYTES, bytes.length);
        assertEquals('t', bytes[Revision.BYTES]);
        assertTrue(Revision.isTombstone(bytes));
        assertEquals(new Revision(7, 1), Revision.fromBytes(bytes));
    }

    @Property(tries = 200)
    void byteOrderIsRevisionOrder(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long mainA,
                                  @ForAll @LongRange(min = 0, max = 300) long subA,
                                  @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long mainB,
                                  @ForAll @LongRange(min = 0, max = 300) long subB) {
        Revision a = new Revision(mainA, subA);
        Revision b = new Revision(mainB, subB);
        assertEquals(a, Revision.fromBytes(a.toBytes()));
        assertEquals(Integer.signum(a.compareTo(b)),
                Integer.signum(Arrays.compareUnsigned(a.toBytes(), b.toBytes())));
    }
}
