package dev.hawser.kvstore.it;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.PutResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client that puts {@code <prefix><n>} = {@code n} for n = 0, 1, 2, ... one at a time, through
 * every node of a cluster in turn, and records each write the cluster acknowledged.
 *
 * <p>Like a real etcd client it moves to the next endpoint and retries the same write on transient
 * errors (dead node, "no leader", "leader changed", deadline). An attempt that failed that way may
 * still be applied, before or even after the retry is acknowledged; every attempt for a key puts
 * the same value, so afterwards the key holds that value with a mod_revision at or after the
 * acknowledged revision. Any other error stops the writer and is reported by {@link #stop()}.
 */
final class AckedWriter implements AutoCloseable {
  /** One acknowledged write: key, value and the revision in the response header. */
  record Ack(String key, String value, long revision) {}

  private final StoreCluster cluster;
  private final String prefix;
  private final List<Ack> acks = new CopyOnWriteArrayList<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Thread thread;
  private volatile boolean running = true;

  AckedWriter(StoreCluster cluster, String prefix) {
    this.cluster = cluster;
    this.prefix = prefix;
    this.thread = new Thread(this::writeLoop, "acked-writer-" + prefix);
    this.thread.setDaemon(true);
  }

  AckedWriter start() {
    thread.start();
    return this;
  }

  int ackCount() {
    return acks.size();
  }

  /** Waits until at least {@code count} writes are acknowledged in total. */
  void awaitAcks(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (acks.size() < count) {
      if (failure.get() != null) {
        throw new AssertionError("writer failed after " + acks.size() + " acks", failure.get());
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("only " + acks.size() + " of " + count + " writes acknowledged within "
            + timeout + "\n" + cluster.logTails());
      }
      Thread.sleep(50);
    }
  }

  /** Stops writing and returns every acknowledged write; rethrows the writer's failure, if any. */
  List<Ack> stop() throws InterruptedException {
    running = false;
    thread.join(TimeUnit.SECONDS.toMillis(60));
    if (failure.get() != null) {
      throw new AssertionError("writer failed after " + acks.size() + " acks", failure.get());
    }
    return new ArrayList<>(acks);
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void writeLoop() {
    int endpoint = 0;
    long n = 0;
    try {
      while (running) {
        String key = prefix + n;
        String value = Long.toString(n);
        PutRequest request = PutRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
        while (running) {
          StoreNode node = cluster.node(endpoint);
          try {
            cluster.channel(node).resetConnectBackoff();
            PutResponse response = KVGrpc.newBlockingStub(cluster.channel(node))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .put(request);
            acks.add(new Ack(key, value, response.getHeader().getRevision()));
            n++;
            break;
          } catch (RuntimeException e) {
            if (!Retry.isTransient(e)) {
              throw e;
            }
            endpoint = (endpoint + 1) % cluster.nodes().size();
            Thread.sleep(20);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failure.set(t);
    }
  }
}
