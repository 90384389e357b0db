package dev.hawser.kvstore.api;

/** Request limits, etcd's defaults unless configured: --max-request-bytes and --max-txn-ops. */
public record Limits(int maxRequestBytes, int maxTxnOps) {
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1572864;
    public static final int DEFAULT_MAX_TXN_OPS = 128;
    /** gRPC accepts a little more than the etcd limit, so an oversized request gets etcd's own error. */
    public static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    public int grpcMaxInboundBytes() {
        return maxRequestBytes + GRPC_OVERHEAD_BYTES;
    }
}
