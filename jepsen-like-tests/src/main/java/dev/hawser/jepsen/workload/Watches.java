package dev.hawser.jepsen.workload;

import com.google.protobuf.ByteString;
import dev.hawser.jepsen.history.WatchEvent;
import dev.hawser.proto.etcdserverpb.WatchCreateRequest;
import dev.hawser.proto.etcdserverpb.WatchGrpc;
import dev.hawser.proto.etcdserverpb.WatchProgressRequest;
import dev.hawser.proto.etcdserverpb.WatchRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** One watch stream over every key, from a start revision, delivering events to a callback. */
public final class Watches {
    private Watches() {
    }

    /** A running stream; {@link #close()} cancels it. {@code lastMessageNanos} tracks liveness. */
    public static final class Stream implements AutoCloseable {
        final AtomicLong lastMessageNanos = new AtomicLong(System.nanoTime());
        volatile boolean done;
        volatile Throwable error;
        volatile ClientCallStreamObserver<WatchRequest> requests;

        public boolean done() {
            return done;
        }

        public long idleMillis() {
            return (System.nanoTime() - lastMessageNanos.get()) / 1_000_000;
        }

        public void requestProgress() {
            try {
                requests.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
            } catch (RuntimeException e) {
                done = true;
            }
        }

        @Override
        public void close() {
            done = true;
            if (requests != null) {
                requests.cancel("closed", null);
            }
        }
    }

    public static Stream open(ManagedChannel ch, long startRevision, Consumer<WatchEvent> sink) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
        Stream s = new Stream();
        WatchGrpc.newStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<WatchRequest> r) {
                        s.requests = r;
                    }

                    @Override
                    public void onNext(WatchResponse resp) {
                        s.lastMessageNanos.set(System.nanoTime());
                        if (resp.getCanceled()) {
                            s.done = true;
                        }
                        for (Event e : resp.getEventsList()) {
                            boolean del = e.getType() == Event.EventType.DELETE;
                            sink.accept(new WatchEvent(e.getKv().getModRevision(), e.getKv().getKey().toStringUtf8(), del,
                                    del ? null : e.getKv().getValue().toStringUtf8()));
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        s.error = t;
                        s.done = true;
                    }

                    @Override
                    public void onCompleted() {
                        s.done = true;
                    }
                });
        s.requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFrom(new byte[] {0})).setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                .setStartRevision(startRevision)).build());
        return s;
    }

    /** Reads the whole committed event history from one member: watch from revision 1 up to {@code untilRevision}. */
    public static List<WatchEvent> readAll(ManagedChannel ch, long untilRevision, long timeoutMillis) {
        List<WatchEvent> out = new ArrayList<>();
        AtomicLong last = new AtomicLong();
        try (Stream s = open(ch, 1, e -> {
            synchronized (out) {
                out.add(e);
            }
            last.set(e.revision());
        })) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (last.get() < untilRevision && !s.done() && System.nanoTime() < deadline) {
                Workers.pause(50);
            }
            if (last.get() < untilRevision) {
                throw new IllegalStateException("history read stopped at revision " + last.get() + " < " + untilRevision
                        + (s.error != null ? ": " + s.error : ""));
            }
        }
        synchronized (out) {
            return List.copyOf(out);
        }
    }

}
