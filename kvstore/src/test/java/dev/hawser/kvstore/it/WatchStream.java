package dev.hawser.kvstore.it;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.WatchCreateRequest;
import dev.hawser.proto.etcdserverpb.WatchGrpc;
import dev.hawser.proto.etcdserverpb.WatchRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One raw Watch stream (grpc-java {@link WatchGrpc} stub, no client library in between): every
 * response, and the stream's end, land in a queue that the test reads at its own pace.
 *
 * <p>The queue is unbounded and gRPC reads as fast as the server sends, so this is a <em>fast</em>
 * client; tests that need a client that does not read use their own ClientCall.
 */
final class WatchStream implements AutoCloseable {
  /** What the stream delivered: a response, or its end ({@code error} null for a clean end). */
  record Item(WatchResponse response, Throwable error, boolean ended) {}

  private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();
  private final StreamObserver<WatchRequest> requests;

  WatchStream(ManagedChannel channel) {
    this.requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse value) {
        items.add(new Item(value, null, false));
      }

      @Override
      public void onError(Throwable t) {
        items.add(new Item(null, t, true));
      }

      @Override
      public void onCompleted() {
        items.add(new Item(null, null, true));
      }
    });
  }

  /** The range_end that makes {@code key} a prefix (last byte + 1, trailing 0xFF dropped). */
  static ByteString prefixEnd(String prefix) {
    byte[] end = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xFF) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }

  static WatchCreateRequest.Builder prefixWatch(String prefix, long startRevision) {
    return WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(prefix))
        .setRangeEnd(prefixEnd(prefix))
        .setStartRevision(startRevision);
  }

  WatchStream create(WatchCreateRequest.Builder create) {
    synchronized (requests) {
      requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
    }
    return this;
  }

  void send(WatchRequest request) {
    synchronized (requests) {
      requests.onNext(request);
    }
  }

  /** The next item, or null after {@code timeout}. */
  Item poll(Duration timeout) throws InterruptedException {
    return items.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next response; fails if the stream ends or nothing comes within {@code timeout}. */
  WatchResponse next(Duration timeout) throws InterruptedException {
    Item item = poll(timeout);
    if (item == null) {
      throw new AssertionError("no watch response within " + timeout);
    }
    if (item.ended()) {
      throw new AssertionError("watch stream ended: " + item.error(), item.error());
    }
    return item.response();
  }

  @Override
  public void close() {
    try {
      synchronized (requests) {
        requests.onError(io.grpc.Status.CANCELLED.withDescription("test done").asRuntimeException());
      }
    } catch (RuntimeException ignored) {
      // already closed
    }
  }
}
