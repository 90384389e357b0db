package dev.hawser.orchestrator.apiserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Bearer tokens from a file in kube-apiserver's {@code --token-auth-file} format: one
 * {@code token,user,uid,"group1,group2"} line per user. Tokens are compared in constant time and
 * never logged.
 */
public final class TokenAuthenticator {
    private final Map<String, User> byToken;

    private TokenAuthenticator(Map<String, User> byToken) {
        this.byToken = byToken;
    }

    public static TokenAuthenticator load(Path file) throws IOException {
        Map<String, User> users = new HashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> f = csv(line);
            if (f.size() < 3 || f.get(0).isEmpty() || f.get(1).isEmpty()) {
                throw new IOException(file + " line " + (i + 1) + ": expected token,user,uid[,\"group1,group2\"]");
            }
            Set<String> groups = new LinkedHashSet<>();
            if (f.size() > 3) {
                for (String g : f.get(3).split(",")) {
                    if (!g.isBlank()) {
                        groups.add(g.trim());
                    }
                }
            }
            groups.add("system:authenticated");
            users.put(f.get(0), new User(f.get(1), Set.copyOf(groups)));
        }
        return new TokenAuthenticator(users);
    }

    public Optional<User> authenticate(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = authorizationHeader.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        User found = null;
        for (Map.Entry<String, User> e : byToken.entrySet()) {
            if (MessageDigest.isEqual(presented, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                found = e.getValue();
            }
        }
        return Optional.ofNullable(found);
    }

    private static List<String> csv(String line) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString().trim());
        return out;
    }
}
