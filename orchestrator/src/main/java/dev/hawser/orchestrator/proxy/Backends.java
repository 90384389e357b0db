package dev.hawser.orchestrator.proxy;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ready endpoints of one service port, in round-robin order: each connection starts one further
 * along, and a connection whose first pick refuses goes on to the following ones. Replaced as a whole
 * when the Endpoints object changes; the turn counter survives so the rotation continues.
 */
final class Backends {
    private volatile List<InetSocketAddress> addresses = List.of();
    private final AtomicInteger turn = new AtomicInteger();

    void set(List<InetSocketAddress> next) {
        addresses = List.copyOf(next);
    }

    List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** Every backend once, starting with this connection's turn. */
    List<InetSocketAddress> attemptOrder() {
        List<InetSocketAddress> now = addresses;
        if (now.isEmpty()) {
            return now;
        }
        int start = Math.floorMod(turn.getAndIncrement(), now.size());
        List<InetSocketAddress> order = new ArrayList<>(now.size());
        for (int i = 0; i < now.size(); i++) {
            order.add(now.get((start + i) % now.size()));
        }
        return order;
    }
}
