package dev.hawser.kvstore.server;

import dev.hawser.kvstore.auth.Passwords;

/**
 * etcd's auth flags: {@code --auth-token} ("simple", or "jwt,pub-key=...,priv-key=...,sign-method=...,ttl=..."),
 * {@code --auth-token-ttl} (seconds a simple token lives without use) and {@code --bcrypt-cost}.
 */
public record AuthOptions(String tokenSpec, long simpleTokenTtlSeconds, int bcryptCost) {
    public static final AuthOptions DEFAULTS = new AuthOptions("simple", 300, Passwords.DEFAULT_COST);

    public AuthOptions {
        if (simpleTokenTtlSeconds < 1) {
            throw new IllegalArgumentException("--auth-token-ttl must be at least 1 second");
        }
    }
}
