package dev.hawser.kvstore.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out loopback TCP ports for test nodes.
 *
 * <p>Ports come from a random base in 20000-30000 (below the Linux ephemeral range that starts at
 * 32768, so an outgoing connection never steals one) and move upwards; each candidate is checked
 * by binding it. A port handed out once is never handed out again by this JVM, so a node that
 * is restarted keeps its ports while no other node of the run can take them.
 */
final class PortAllocator {
  private static final int LOW = 20000;
  private static final int HIGH = 30000;
  private static int next = LOW + ThreadLocalRandom.current().nextInt(HIGH - LOW);

  private PortAllocator() {}

  /** A port on 127.0.0.1 that was free a moment ago and was not handed out before. */
  static synchronized int next() {
    for (int attempts = 0; attempts < HIGH - LOW; attempts++) {
      int candidate = next;
      next = next + 1 >= HIGH ? LOW : next + 1;
      if (isFree(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no free loopback port in " + LOW + "-" + HIGH);
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
