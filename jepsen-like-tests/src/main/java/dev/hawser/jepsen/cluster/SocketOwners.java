package dev.hawser.jepsen.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds which process owns the client end of a loopback TCP connection, through /proc (Linux).
 * All members connect from 127.0.0.1 with ephemeral ports, so the peer proxy learns who is
 * calling by looking up the socket with that local port and the process holding its inode.
 */
final class SocketOwners {
    private SocketOwners() {
    }

    /**
     * The pid among {@code candidates} that owns the socket bound locally to {@code port} and connected
     * to {@code remotePort}, or -1. Both ends must match: Linux hands out the same ephemeral port to
     * connections towards different destinations, so the local port alone can name the wrong member.
     */
    static long ownerOf(int port, int remotePort, Collection<Long> candidates) {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 10 || !f[1].contains(":")) {
                        continue;
                    }
                    int local = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
                    int remote = Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16);
                    if (local == port && remote == remotePort) {
                        inodes.add("socket:[" + f[9] + "]");
                    }
                }
            } catch (IOException | RuntimeException e) {
                // table missing or unreadable: treat as not found
            }
        }
        if (inodes.isEmpty()) {
            return -1;
        }
        for (long pid : candidates) {
            try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                boolean owns = fds.anyMatch(fd -> {
                    try {
                        return inodes.contains(Files.readSymbolicLink(fd).toString());
                    } catch (IOException e) {
                        return false;
                    }
                });
                if (owns) {
                    return pid;
                }
            } catch (IOException e) {
                // process gone
            }
        }
        return -1;
    }
}
