package dev.hawser.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class KeysTest {
    @Test
    void encodesLikeGoPutVarintZeroPadded() {
        assertArrayEquals(new byte[] {0, 0, 0, 0}, Keys.encode(0, 4));
        assertArrayEquals(new byte[] {2, 0, 0, 0}, Keys.encode(1, 4));
        assertArrayEquals(new byte[] {1, 0, 0, 0}, Keys.encode(-1, 4));
        assertArrayEquals(new byte[] {(byte) 0x80, 1, 0, 0}, Keys.encode(64, 4));
        assertArrayEquals(new byte[] {(byte) 0xfe, (byte) 0xff, 0x7f}, Keys.encode(1_048_575, 3));
    }

    @Test
    void sequentialKeysWrapAtKeySpaceSize() {
        Keys keys = new Keys(8, 3, true);
        assertEquals(keys.key(0), keys.key(3));
        assertNotEquals(keys.key(0), keys.key(1));
        assertEquals(8, keys.key(2).size());
    }

    @Test
    void refusesKeySpaceThatDoesNotFitTheKeySize() {
        assertThrows(IllegalArgumentException.class, () -> new Keys(1, 100, false));
    }
}
