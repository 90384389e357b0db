package dev.hawser.orchestrator.agent;

import java.util.HashMap;
import java.util.Map;

/**
 * Hands out one IPv4 address per pod from the node's pod CIDR. On Linux all of 127.0.0.0/8 is
 * loopback, so with a 127.x CIDR every pod can bind the same port on its own address. The network
 * address and the one after it are skipped (the latter is the conventional gateway).
 */
final class PodIpPool {
    private final int base;
    private final int size;
    private final Map<Integer, String> owners = new HashMap<>();
    private final Map<String, Integer> byPod = new HashMap<>();

    PodIpPool(String cidr) {
        String[] parts = cidr.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("pod CIDR \"" + cidr + "\" is not of the form a.b.c.d/prefix");
        }
        int prefix = Integer.parseInt(parts[1]);
        if (prefix < 8 || prefix > 30) {
            throw new IllegalArgumentException("pod CIDR \"" + cidr + "\": prefix must be between 8 and 30");
        }
        int mask = (int) (0xFFFFFFFFL << (32 - prefix));
        this.base = toInt(parts[0]) & mask;
        this.size = 1 << (32 - prefix);
    }

    /** The pod's address: the one it has, else {@code preferred} if it is in range and free, else the lowest free one. */
    synchronized String allocate(String podUid, String preferred) {
        Integer have = byPod.get(podUid);
        if (have != null) {
            return toAddress(base + have);
        }
        int offset = -1;
        if (preferred != null && !preferred.isEmpty()) {
            int p = toInt(preferred) - base;
            if (p >= 2 && p < size - 1 && !owners.containsKey(p)) {
                offset = p;
            }
        }
        for (int i = 2; offset < 0 && i < size - 1; i++) {
            if (!owners.containsKey(i)) {
                offset = i;
            }
        }
        if (offset < 0) {
            throw new IllegalStateException("no free pod address left in the pod CIDR");
        }
        owners.put(offset, podUid);
        byPod.put(podUid, offset);
        return toAddress(base + offset);
    }

    synchronized void release(String podUid) {
        Integer offset = byPod.remove(podUid);
        if (offset != null) {
            owners.remove(offset);
        }
    }

    private static int toInt(String address) {
        String[] o = address.split("\\.");
        if (o.length != 4) {
            throw new IllegalArgumentException("\"" + address + "\" is not an IPv4 address");
        }
        int v = 0;
        for (String s : o) {
            v = (v << 8) | (Integer.parseInt(s) & 0xFF);
        }
        return v;
    }

    private static String toAddress(int v) {
        return ((v >>> 24) & 0xFF) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
    }
}
