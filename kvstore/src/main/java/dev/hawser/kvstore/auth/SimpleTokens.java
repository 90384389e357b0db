package dev.hawser.kvstore.auth;

import com.google.protobuf.ByteString;
import dev.hawser.proto.raft.SimpleToken;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * etcd's default "simple" tokens: random strings that mean something only because every member was told about
 * them through Raft (as their SHA-256, so the log holds nothing a client could replay). Each member expires a token
 * after {@code --auth-token-ttl} without use, on its own clock, as etcd does; a member restarting from its log does
 * not bring back tokens older than that.
 */
public final class SimpleTokens implements TokenProvider {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray();
    private static final int RANDOM_CHARS = 16;
    private static final int SWEEP_EVERY = 256;

    private record Entry(String user, AtomicLong lastUsedNanos) {
    }

    private final SecureRandom random = new SecureRandom();
    private final AtomicLong issued = new AtomicLong();
    private final Map<ByteString, Entry> tokens = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final LongSupplier wallMillis;

    public SimpleTokens(long ttlSeconds, LongSupplier nanoClock, LongSupplier wallMillis) {
        this.ttlNanos = ttlSeconds * 1_000_000_000L;
        this.nanoClock = nanoClock;
        this.wallMillis = wallMillis;
    }

    @Override
    public Issued issue(String user, long authRevision) {
        StringBuilder token = new StringBuilder(RANDOM_CHARS + 12);
        for (int i = 0; i < RANDOM_CHARS; i++) {
            token.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        token.append('.').append(issued.incrementAndGet());
        String t = token.toString();
        SimpleToken entry = SimpleToken.newBuilder().setTokenSha256(sha256(t)).setUser(user)
                .setIssuedUnixMillis(wallMillis.getAsLong()).build();
        return new Issued(t, entry);
    }

    @Override
    public void register(SimpleToken entry) {
        if (wallMillis.getAsLong() - entry.getIssuedUnixMillis() > ttlNanos / 1_000_000) {
            return;
        }
        tokens.put(entry.getTokenSha256(), new Entry(entry.getUser(), new AtomicLong(nanoClock.getAsLong())));
        if (tokens.size() % SWEEP_EVERY == 0) {
            sweep();
        }
    }

    @Override
    public String verify(String token) {
        ByteString key = sha256(token);
        Entry e = tokens.get(key);
        if (e == null) {
            return null;
        }
        long now = nanoClock.getAsLong();
        if (now - e.lastUsedNanos().get() > ttlNanos) {
            tokens.remove(key, e);
            return null;
        }
        e.lastUsedNanos().set(now);
        return e.user();
    }

    @Override
    public void invalidate(String user) {
        tokens.values().removeIf(e -> user.isEmpty() || e.user().equals(user));
    }

    private void sweep() {
        long now = nanoClock.getAsLong();
        tokens.values().removeIf(e -> now - e.lastUsedNanos().get() > ttlNanos);
    }

    static ByteString sha256(String token) {
        try {
            return ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
