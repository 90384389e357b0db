package dev.hawser.kvstore.it;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.PutResponse;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Plain etcd KV calls on one node through the generated gRPC stubs, with etcd's transient errors
 * retried on that same node (a write's retry may apply twice; callers use idempotent writes).
 */
final class StoreKv {
  private static final Duration RETRY_FOR = Duration.ofSeconds(60);

  private final StoreCluster cluster;

  StoreKv(StoreCluster cluster) {
    this.cluster = cluster;
  }

  KVGrpc.KVBlockingStub stub(StoreNode node) {
    cluster.channel(node).resetConnectBackoff();
    return KVGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  PutResponse put(StoreNode node, String key, String value) throws Exception {
    PutRequest request = PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build();
    return Retry.onTransient(RETRY_FOR, () -> stub(node).put(request));
  }

  /** A linearizable read of one key. */
  RangeResponse get(StoreNode node, String key) throws Exception {
    return range(node, RangeRequest.newBuilder().setKey(bytes(key)).build());
  }

  /** A serializable (local, possibly stale) read of every key under {@code prefix}. */
  RangeResponse localPrefix(StoreNode node, String prefix) throws Exception {
    return range(node, prefixRequest(prefix).setSerializable(true).build());
  }

  RangeResponse prefix(StoreNode node, String prefix) throws Exception {
    return range(node, prefixRequest(prefix).build());
  }

  RangeResponse range(StoreNode node, RangeRequest request) throws Exception {
    return Retry.onTransient(RETRY_FOR, () -> stub(node).range(request));
  }

  static RangeRequest.Builder prefixRequest(String prefix) {
    byte[] end = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return RangeRequest.newBuilder().setKey(bytes(prefix)).setRangeEnd(ByteString.copyFrom(end));
  }

  static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }
}
