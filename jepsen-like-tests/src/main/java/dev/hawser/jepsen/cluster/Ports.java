package dev.hawser.jepsen.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Loopback ports in 20000-32000, below Linux's ephemeral range, never handed out twice per JVM. */
final class Ports {
    private static final int LOW = 20000;
    private static final int HIGH = 32000;
    private static int next = LOW + ThreadLocalRandom.current().nextInt(HIGH - LOW);

    private Ports() {
    }

    static synchronized int next() {
        for (int i = 0; i < HIGH - LOW; i++) {
            int candidate = next;
            next = next + 1 >= HIGH ? LOW : next + 1;
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), candidate));
                return candidate;
            } catch (IOException e) {
                // taken, try the next
            }
        }
        throw new IllegalStateException("no free loopback port");
    }
}
