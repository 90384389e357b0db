package dev.hawser.orchestrator.client;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.WatchCreateRequest;
import dev.hawser.proto.etcdserverpb.WatchGrpc;
import dev.hawser.proto.etcdserverpb.WatchProgressRequest;
import dev.hawser.proto.etcdserverpb.WatchRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A prefix watch on the store that survives member failures: when its stream breaks it re-opens on the
 * next member from the revision after the last one delivered, so the listener sees every revision once,
 * in order (the store's watch guarantee, kept across reconnects). It ends only when closed or when the
 * revision it needs has been compacted away.
 */
public final class StoreWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreWatch.class);
    private static final ScheduledExecutorService RECONNECTS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "store-watch-reconnect");
        t.setDaemon(true);
        return t;
    });

    /** Receives a watch's events; calls come from one thread at a time, in revision order. */
    public interface Listener {
        void onEvents(List<Event> events, long revision);

        /** The store has nothing new up to {@code revision} (a progress notification). */
        default void onProgress(long revision) {
        }

        /** The start revision is gone; the watch has ended. */
        void onCompacted(long compactRevision);
    }

    private final StoreClient client;
    private final ByteString prefix;
    private final Listener listener;
    /** The next revision the listener needs. */
    private volatile long nextRevision;
    private volatile boolean closed;
    private volatile ClientCallStreamObserver<WatchRequest> stream;
    private int failures;

    StoreWatch(StoreClient client, ByteString prefix, long startRevision, Listener listener) {
        this.client = client;
        this.prefix = prefix;
        this.listener = listener;
        this.nextRevision = startRevision;
        open();
    }

    /** Asks the store for a progress notification (answered once every earlier event was sent). */
    public void requestProgress() {
        ClientCallStreamObserver<WatchRequest> s = stream;
        if (s != null && !closed) {
            synchronized (this) {
                s.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
            }
        }
    }

    private void open() {
        if (closed) {
            return;
        }
        ManagedChannel channel = client.channel();
        WatchGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(StoreClient.REQUIRE_LEADER))
                .watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
                        stream = requestStream;
                    }

                    @Override
                    public void onNext(WatchResponse r) {
                        handle(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        broken(channel, Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        broken(channel, Status.UNAVAILABLE.withDescription("stream ended"));
                    }
                });
        WatchCreateRequest create = WatchCreateRequest.newBuilder().setKey(prefix)
                .setRangeEnd(StoreClient.prefixEnd(prefix)).setStartRevision(nextRevision)
                .setPrevKv(true).setProgressNotify(true).build();
        synchronized (this) {
            stream.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
        }
    }

    private void handle(WatchResponse r) {
        if (closed) {
            return;
        }
        if (r.getCanceled()) {
            if (r.getCompactRevision() > 0) {
                closed = true;
                stream.cancel("compacted", null);
                listener.onCompacted(r.getCompactRevision());
            } else {
                // Canceled for another reason ("no leader"...): the stream's error path reconnects.
                stream.cancel(r.getCancelReason(), null);
            }
            return;
        }
        failures = 0;
        long revision = r.getHeader().getRevision();
        if (r.getCreated() && nextRevision == 0) {
            nextRevision = revision + 1; // "from now" must mean the same revision after a reconnect
        }
        if (r.getEventsCount() > 0) {
            long last = r.getEvents(r.getEventsCount() - 1).getKv().getModRevision();
            nextRevision = last + 1;
            listener.onEvents(r.getEventsList(), last);
        } else if (!r.getCreated() && revision > 0) {
            nextRevision = Math.max(nextRevision, revision + 1);
            listener.onProgress(revision);
        }
    }

    private void broken(ManagedChannel channel, Status status) {
        stream = null;
        if (closed) {
            return;
        }
        client.failOver(channel);
        long delay = Math.min(25L << Math.min(failures++, 5), 1000);
        LOG.debug("watch on {} broke ({}), re-opening from revision {} in {} ms", prefix.toStringUtf8(), status, nextRevision, delay);
        RECONNECTS.schedule(this::open, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        ClientCallStreamObserver<WatchRequest> s = stream;
        if (s != null) {
            s.cancel("closed", null);
        }
    }
}
