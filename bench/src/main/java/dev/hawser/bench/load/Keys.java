package dev.hawser.bench.load;

import com.google.protobuf.ByteString;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Keys as etcd's benchmark makes them: a zero-filled array of {@code keySize} bytes that starts with the Go
 * {@code binary.PutVarint} encoding of the key number, so the same flags touch the same keys on both servers.
 */
public final class Keys {
    private final int keySize;
    private final long keySpaceSize;
    private final boolean sequential;

    public Keys(int keySize, long keySpaceSize, boolean sequential) {
        if (varintLength(keySpaceSize - 1) > keySize) {
            throw new IllegalArgumentException("--key-size " + keySize + " is too small for --key-space-size "
                    + keySpaceSize + " (needs " + varintLength(keySpaceSize - 1) + " bytes)");
        }
        this.keySize = keySize;
        this.keySpaceSize = keySpaceSize;
        this.sequential = sequential;
    }

    /** The key of request {@code seq}: {@code seq mod key-space} when sequential, else a random key number. */
    public ByteString key(long seq) {
        long n = sequential ? seq % keySpaceSize : ThreadLocalRandom.current().nextLong(keySpaceSize);
        return ByteString.copyFrom(encode(n, keySize));
    }

    static byte[] encode(long n, int size) {
        byte[] k = new byte[size];
        long ux = (n << 1) ^ (n >> 63); // zig-zag, as Go's PutVarint
        int i = 0;
        while ((ux & ~0x7FL) != 0) {
            k[i++] = (byte) ((ux & 0x7F) | 0x80);
            ux >>>= 7;
        }
        k[i] = (byte) ux;
        return k;
    }

    static int varintLength(long n) {
        long ux = (n << 1) ^ (n >> 63);
        int len = 1;
        while ((ux & ~0x7FL) != 0) {
            ux >>>= 7;
            len++;
        }
        return len;
    }

    /** {@code size} random bytes, the value etcd's tool puts (one value for the whole run). */
    public static ByteString randomValue(int size) {
        byte[] v = new byte[size];
        ThreadLocalRandom.current().nextBytes(v);
        return ByteString.copyFrom(v);
    }
}
