package dev.hawser.kvstore.it;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Retries a call while it fails the way etcd calls fail during an election, as real clients do.
 *
 * <p>Transient: gRPC UNAVAILABLE (which includes "etcdserver: no leader", "leader changed",
 * "request timed out" and refused connections) and DEADLINE_EXCEEDED, found anywhere in the cause
 * chain (jetcd wraps them), or those texts in a message. Every other failure is rethrown at once,
 * because a test must see real errors.
 */
final class Retry {
  private static final String[] TRANSIENT_TEXTS = {
    "leader changed", "no leader", "request timed out", "server stopped", "unavailable",
    "deadline exceeded", "deadline_exceeded", "connection refused", "not leader"
  };

  private Retry() {}

  static <T> T onTransient(Duration timeout, Callable<T> call) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pauseMillis = 50;
    while (true) {
      try {
        return call.call();
      } catch (Exception e) {
        if (!isTransient(e) || System.nanoTime() - deadline > 0) {
          throw e;
        }
      }
      Thread.sleep(pauseMillis);
      pauseMillis = Math.min(pauseMillis * 2, 500);
    }
  }

  static void onTransient(Duration timeout, ThrowingRunnable call) throws Exception {
    onTransient(timeout, () -> {
      call.run();
      return null;
    });
  }

  static boolean isTransient(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      Status status = statusOf(t);
      if (status != null) {
        Status.Code code = status.getCode();
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
          return true;
        }
        if (isTransientText(status.getDescription())) {
          return true;
        }
      }
      if (isTransientText(t.getMessage())) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  static boolean isTransientText(String message) {
    if (message == null) {
      return false;
    }
    String lower = message.toLowerCase(Locale.ROOT);
    for (String text : TRANSIENT_TEXTS) {
      if (lower.contains(text)) {
        return true;
      }
    }
    return false;
  }

  private static Status statusOf(Throwable t) {
    if (t instanceof StatusRuntimeException e) {
      return e.getStatus();
    }
    if (t instanceof StatusException e) {
      return e.getStatus();
    }
    return null;
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
