package dev.hawser.orchestrator.client;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.LeaseGrantRequest;
import dev.hawser.proto.etcdserverpb.LeaseGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import dev.hawser.proto.mvccpb.KeyValue;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The orchestrator's view of the store: the handful of etcd v3 calls kube-apiserver makes (get, list,
 * create-if-absent, compare-and-swap update and delete, watch, lease grant), over the store's gRPC API.
 *
 * <p>Several endpoints may be given; a call that meets an unreachable member or an election
 * ("leader changed", "no leader") is retried on the next member until {@link #RETRY_FOR} has passed,
 * as etcd's own clients do. A conditional write whose first attempt may have landed before the
 * connection broke is recognised on retry: its compare fails, but the key then holds exactly the
 * bytes we wrote (objects carry a fresh uid and resourceVersion-free body, so equal bytes mean ours).
 */
public final class StoreClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreClient.class);
    static final Duration RETRY_FOR = Duration.ofSeconds(20);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** Asks members to fail watches and requests rather than serve them without a leader (etcd's WithRequireLeader). */
    static final Metadata REQUIRE_LEADER = requireLeader();

    private final List<ManagedChannel> channels;
    private final AtomicInteger current = new AtomicInteger();

    public StoreClient(List<String> endpoints) {
        this(endpoints, null);
    }

    /** With {@code tls}, https:// endpoints are dialled over TLS (kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile). */
    public StoreClient(List<String> endpoints, StoreTls tls) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no store endpoints");
        }
        channels = new ArrayList<>();
        for (String e : endpoints) {
            NettyChannelBuilder b = NettyChannelBuilder.forTarget(hostPort(e)).maxInboundMessageSize(64 << 20);
            if (e.trim().startsWith("https://")) {
                if (tls == null) {
                    throw new IllegalArgumentException(e + " is https: pass --etcd-cafile (and --etcd-certfile/--etcd-keyfile for client-cert-auth)");
                }
                b.sslContext(tls.sslContext());
            } else {
                b.usePlaintext();
            }
            channels.add(b.build());
        }
    }

    /** The CA that signed the members' certificates and, for client-cert-auth, this client's certificate and key. */
    public record StoreTls(java.nio.file.Path caFile, java.nio.file.Path certFile, java.nio.file.Path keyFile) {
        io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext() {
            try {
                var b = io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient().trustManager(caFile.toFile());
                if (certFile != null) {
                    b.keyManager(certFile.toFile(), keyFile.toFile());
                }
                return b.build();
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalArgumentException("cannot use the store TLS files: " + e.getMessage(), e);
            }
        }
    }

    /** Accepts etcd-style endpoints: http://host:port, host:port. */
    static String hostPort(String endpoint) {
        String e = endpoint.trim();
        int scheme = e.indexOf("://");
        if (scheme >= 0) {
            e = e.substring(scheme + 3);
        }
        if (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        return e;
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The first key after every key with this prefix (etcd's range_end for a prefix). */
    public static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(Arrays.copyOf(end, i + 1));
            }
        }
        return ByteString.copyFrom(new byte[]{0});
    }

    public Optional<KeyValue> get(String key) {
        RangeResponse r = call(c -> kv(c).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build()));
        return r.getKvsCount() == 0 ? Optional.empty() : Optional.of(r.getKvs(0));
    }

    /**
     * Keys with {@code prefix} from {@code startKey} (inclusive; empty = from the start) at {@code revision}
     * (0 = now). Serializable reads may be served by any member from its applied state.
     */
    public Page list(String prefix, String startKey, long limit, long revision, boolean serializable) {
        ByteString p = ByteString.copyFromUtf8(prefix);
        ByteString from = startKey.isEmpty() ? p : ByteString.copyFromUtf8(startKey);
        RangeResponse r = call(c -> kv(c).range(RangeRequest.newBuilder().setKey(from).setRangeEnd(prefixEnd(p))
                .setLimit(limit).setRevision(revision).setSerializable(serializable).build()));
        return new Page(r.getKvsList(), r.getMore(), r.getHeader().getRevision());
    }

    public long currentRevision() {
        RangeResponse r = call(c -> kv(c).range(RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("/")).setCountOnly(true).setLimit(1).build()));
        return r.getHeader().getRevision();
    }

    /** Puts {@code value} if the key does not exist; with {@code extra} puts done in the same revision. */
    public Write create(String key, byte[] value, long lease, List<RequestOp> extra, List<Compare> extraChecks) {
        ByteString k = ByteString.copyFromUtf8(key);
        TxnRequest.Builder txn = TxnRequest.newBuilder()
                .addCompare(modRevisionIs(k, 0))
                .addAllCompare(extraChecks)
                .addSuccess(put(k, value, lease))
                .addAllSuccess(extra)
                .addFailure(get(k));
        return conditionalWrite(k, txn.build(), value);
    }

    /** Replaces the value if the key's mod revision is still {@code expected}. */
    public Write update(String key, long expected, byte[] value, long lease) {
        ByteString k = ByteString.copyFromUtf8(key);
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(modRevisionIs(k, expected))
                .addSuccess(put(k, value, lease))
                .addFailure(get(k)).build();
        return conditionalWrite(k, txn, value);
    }

    /** Deletes the key if its mod revision is still {@code expected}; {@code extra} run in the same revision. */
    public Write delete(String key, long expected, List<RequestOp> extra) {
        ByteString k = ByteString.copyFromUtf8(key);
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(modRevisionIs(k, expected))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(k)))
                .addAllSuccess(extra)
                .addFailure(get(k)).build();
        return conditionalWrite(k, txn, null);
    }

    /** A lease the store will revoke, deleting its keys, {@code ttlSeconds} from now unless kept alive. */
    public long grantLease(long ttlSeconds) {
        return call(c -> LeaseGrpc.newBlockingStub(c).withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build())).getID();
    }

    public StoreWatch watch(String prefix, long startRevision, StoreWatch.Listener listener) {
        return new StoreWatch(this, ByteString.copyFromUtf8(prefix), startRevision, listener);
    }

    public static Compare modRevisionIs(ByteString key, long revision) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.MOD)
                .setResult(Compare.CompareResult.EQUAL).setModRevision(revision).build();
    }

    public static RequestOp put(ByteString key, byte[] value, long lease) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
                .setValue(ByteString.copyFrom(value)).setLease(lease)).build();
    }

    public static RequestOp deleteKey(ByteString key) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)).build();
    }

    private static RequestOp get(ByteString key) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)).build();
    }

    /**
     * Runs a txn whose compare guards {@code key}. If an earlier attempt may have been applied (the
     * connection broke after sending) and the compare now fails, the key's current state tells whether
     * that attempt was ours: it holds our bytes (a put) or is gone (a delete).
     */
    private Write conditionalWrite(ByteString key, TxnRequest txn, byte[] written) {
        boolean[] ambiguous = {false};
        TxnResponse r = retrying(c -> kv(c).txn(txn), ambiguous);
        if (r.getSucceeded()) {
            return new Write(true, r.getHeader().getRevision(), null);
        }
        List<KeyValue> kvs = r.getResponses(0).getResponseRange().getKvsList();
        KeyValue currentKv = kvs.isEmpty() ? null : kvs.get(0);
        if (ambiguous[0]) {
            if (written != null && currentKv != null && currentKv.getValue().equals(ByteString.copyFrom(written))) {
                return new Write(true, currentKv.getModRevision(), null);
            }
            if (written == null && currentKv == null) {
                return new Write(true, r.getHeader().getRevision(), null);
            }
        }
        return new Write(false, r.getHeader().getRevision(), currentKv);
    }

    public TxnResponse txn(TxnRequest txn) {
        return call(c -> kv(c).txn(txn));
    }

    private KVGrpc.KVBlockingStub kv(ManagedChannel c) {
        return KVGrpc.newBlockingStub(c).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(REQUIRE_LEADER))
                .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    <T> T call(Function<ManagedChannel, T> rpc) {
        return retrying(rpc, new boolean[1]);
    }

    private <T> T retrying(Function<ManagedChannel, T> rpc, boolean[] ambiguous) {
        long deadline = System.nanoTime() + RETRY_FOR.toNanos();
        long pause = 25;
        while (true) {
            int index = current.get();
            try {
                return rpc.apply(channels.get(index % channels.size()));
            } catch (StatusRuntimeException e) {
                if (!isTransient(e.getStatus()) || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                ambiguous[0] |= mayHaveApplied(e.getStatus());
                LOG.debug("store call failed on endpoint {}, trying the next: {}", index % channels.size(), e.getStatus());
                rotate(index);
            }
            sleep(pause);
            pause = Math.min(pause * 2, 500);
        }
    }

    static boolean isTransient(Status s) {
        return s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.DEADLINE_EXCEEDED
                || (s.getDescription() != null && s.getDescription().contains("leader changed"));
    }

    /** Refused connections never carried the request; anything else might have been proposed. */
    private static boolean mayHaveApplied(Status s) {
        Throwable cause = s.getCause();
        return !(cause instanceof java.net.ConnectException)
                && !(s.getDescription() != null && s.getDescription().contains("no leader"));
    }

    ManagedChannel channel() {
        return channels.get(current.get() % channels.size());
    }

    void failOver(ManagedChannel failed) {
        int index = current.get();
        if (channels.get(index % channels.size()) == failed) {
            rotate(index);
        }
    }

    /** Moves on to the next member, and lets it be dialled at once even if an earlier failure left it backing off. */
    private void rotate(int from) {
        if (current.compareAndSet(from, from + 1)) {
            channels.get((from + 1) % channels.size()).resetConnectBackoff();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Metadata requireLeader() {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
        return m;
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
    }

    /** One page of a list: the keys, whether more follow, and the store revision it was read at. */
    public record Page(List<KeyValue> kvs, boolean more, long revision) {
    }

    /** A conditional write: succeeded (at {@code revision}) or not, with the key's current state then. */
    public record Write(boolean succeeded, long revision, KeyValue current) {
    }
}
