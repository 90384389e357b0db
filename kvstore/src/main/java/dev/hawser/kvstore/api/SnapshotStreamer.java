package dev.hawser.kvstore.api;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.snapshot.SnapshotFile;
import dev.hawser.kvstore.storage.Dirs;
import dev.hawser.proto.etcdserverpb.ResponseHeader;
import dev.hawser.proto.etcdserverpb.SnapshotResponse;
import io.grpc.stub.ServerCallStreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.Executor;

/**
 * Streams a snapshot body in 32 KiB chunks as gRPC flow control allows, then a last
 * message whose blob is the SHA-256 of all earlier bytes, exactly as etcd does; the
 * temporary files go when the stream ends either way.
 */
final class SnapshotStreamer {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStreamer.class);
    private static final int CHUNK = 32 * 1024;

    private final ServerCallStreamObserver<SnapshotResponse> out;
    private final Executor executor;
    private final MessageDigest sha = SnapshotFile.newSha256();
    private Path body;
    private Path tmpDir;
    private ResponseHeader header;
    private InputStream in;
    private long remaining;
    private boolean done;

    /** Must run during the gRPC call itself: gRPC only takes stream handlers then. */
    SnapshotStreamer(ServerCallStreamObserver<SnapshotResponse> out, Executor executor) {
        this.out = out;
        this.executor = executor;
        out.setOnCancelHandler(this::cleanUp);
        out.setOnReadyHandler(() -> executor.execute(this::pump));
    }

    /** Starts sending a prepared body; {@code tmpDir} is removed when the stream ends. */
    synchronized void send(Path body, Path tmpDir, ResponseHeader header) throws IOException {
        this.body = body;
        this.tmpDir = tmpDir;
        this.header = header;
        this.in = Files.newInputStream(body);
        this.remaining = Files.size(body);
        executor.execute(this::pump);
    }

    private synchronized void pump() {
        if (done || in == null) {
            return;
        }
        try {
            byte[] buf = new byte[CHUNK];
            while (out.isReady() && remaining > 0) {
                int n = in.readNBytes(buf, 0, (int) Math.min(CHUNK, remaining));
                sha.update(buf, 0, n);
                remaining -= n;
                out.onNext(SnapshotResponse.newBuilder().setHeader(header)
                        .setRemainingBytes(remaining + SnapshotFile.SHA_BYTES).setBlob(ByteString.copyFrom(buf, 0, n)).build());
            }
            if (remaining == 0 && out.isReady()) {
                out.onNext(SnapshotResponse.newBuilder().setHeader(header).setRemainingBytes(0)
                        .setBlob(ByteString.copyFrom(sha.digest())).build());
                out.onCompleted();
                cleanUp();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("sending snapshot failed", e);
            out.onError(GrpcErrors.toStatus(e));
            cleanUp();
        }
    }

    private synchronized void cleanUp() {
        if (done) {
            return;
        }
        done = true;
        if (in == null) {
            return;
        }
        try {
            in.close();
            Files.deleteIfExists(body);
            Dirs.deleteRecursively(tmpDir);
        } catch (IOException e) {
            LOG.warn("could not remove snapshot temporary files in {}", tmpDir, e);
        }
    }
}
