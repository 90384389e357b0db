package dev.hawser.kvstore.auth;

import dev.hawser.proto.raft.SimpleToken;

/**
 * Turns an authenticated user into a token and a token back into a user (etcd's {@code --auth-token}). A token is
 * a bearer credential: it is never logged and never written to the Raft log.
 */
public interface TokenProvider {
    /** A new token; {@code replicate} is the entry every member must apply before the token is usable, or null. */
    record Issued(String token, SimpleToken replicate) {
    }

    Issued issue(String user, long authRevision);

    /** The user {@code token} stands for, or null if it is unknown, expired or forged. */
    String verify(String token);

    /** Applies a replicated simple token; providers whose tokens verify themselves ignore it. */
    default void register(SimpleToken entry) {
    }

    /** Forgets the tokens of {@code user} (all tokens for ""), when it is deleted, changes password or auth is off. */
    default void invalidate(String user) {
    }
}
