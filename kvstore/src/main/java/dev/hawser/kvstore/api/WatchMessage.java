package dev.hawser.kvstore.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.hawser.proto.etcdserverpb.ResponseHeader;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * A {@code WatchResponse} in wire form, as the Watch stream sends it. A revision's events go to every watcher of
 * a stream that wants them in messages that differ only in {@code watch_id}, so the events are encoded once
 * ({@link #eventsPart}) and each watcher's message is its {@code watch_id} field, a header
 * ({@link #headerPart}) and those bytes: protobuf parsers accept fields in any order and append the entries of a
 * repeated field wherever they occur, so etcd's clients decode it as the same {@code WatchResponse}, and a
 * response that carries several revisions is the concatenation of their parts. With a thousand watchers on a
 * key this turns a thousand encodings per put into one.
 */
final class WatchMessage {
    private final boolean withId;
    private final long watchId;
    private final ByteString body;

    private WatchMessage(boolean withId, long watchId, ByteString body) {
        this.withId = withId;
        this.watchId = watchId;
        this.body = body;
    }

    /** A response built whole (created, canceled, progress, fragments). */
    static WatchMessage of(WatchResponse response) {
        return new WatchMessage(false, 0, response.toByteString());
    }

    /** One watcher's response: its {@code watch_id} before a body of {@link #headerPart} and {@link #eventsPart}s. */
    static WatchMessage forWatcher(long watchId, ByteString body) {
        return new WatchMessage(true, watchId, body);
    }

    /** A response's {@code header} field alone. */
    static ByteString headerPart(ResponseHeader header) {
        return WatchResponse.newBuilder().setHeader(header).build().toByteString();
    }

    /** A response's {@code events} entries alone, in order. */
    static ByteString eventsPart(List<Event> events) {
        return WatchResponse.newBuilder().addAllEvents(events).build().toByteString();
    }

    int serializedSize() {
        return (withId ? CodedOutputStream.computeInt64Size(WatchResponse.WATCH_ID_FIELD_NUMBER, watchId) : 0) + body.size();
    }

    private ByteString toByteString() {
        ByteString.Output out = ByteString.newOutput(serializedSize());
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new IllegalStateException(e); // in memory
        }
        return out.toByteString();
    }

    private void writeTo(OutputStream target) throws IOException {
        if (withId) {
            CodedOutputStream coded = CodedOutputStream.newInstance(target, 16);
            coded.writeInt64(WatchResponse.WATCH_ID_FIELD_NUMBER, watchId);
            coded.flush();
        }
        body.writeTo(target);
    }

    /** gRPC's side: writes the message straight into the transport's buffer, no intermediate copy. */
    static final MethodDescriptor.Marshaller<WatchMessage> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(WatchMessage value) {
            return new Stream(value);
        }

        @Override
        public WatchMessage parse(InputStream stream) {
            try {
                return new WatchMessage(false, 0, ByteString.readFrom(stream));
            } catch (IOException e) {
                throw new IllegalArgumentException("unreadable watch response", e);
            }
        }
    };

    /** A message as gRPC reads it: drained in one call when it can, else read byte by byte from its encoding. */
    private static final class Stream extends InputStream implements Drainable, KnownLength {
        private WatchMessage message;
        private InputStream fallback;

        Stream(WatchMessage message) {
            this.message = message;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            if (message == null) {
                return fallback == null ? 0 : (int) fallback.transferTo(target);
            }
            int size = message.serializedSize();
            message.writeTo(target);
            message = null;
            return size;
        }

        private InputStream fallback() {
            if (fallback == null) {
                fallback = message == null ? InputStream.nullInputStream() : message.toByteString().newInput();
                message = null;
            }
            return fallback;
        }

        @Override
        public int read() throws IOException {
            return fallback().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return fallback().read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return message != null ? message.serializedSize() : fallback == null ? 0 : fallback.available();
        }
    }
}
