package dev.hawser.kvstore.api;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.KeyOrder;
import dev.hawser.kvstore.mvcc.MvccException;
import dev.hawser.kvstore.mvcc.RangeOptions;
import dev.hawser.kvstore.mvcc.TxnRead;
import dev.hawser.kvstore.watch.KvSource;
import dev.hawser.kvstore.watch.WatchHub;
import dev.hawser.kvstore.watch.WatchSink;
import dev.hawser.kvstore.watch.Watcher;
import dev.hawser.proto.etcdserverpb.WatchCreateRequest;
import dev.hawser.proto.etcdserverpb.WatchRequest;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One client's Watch stream: many watchers multiplexed on it, one bounded queue of
 * responses in front of gRPC's flow control. A watcher whose events do not fit is not
 * dropped: the hub feeds it from history once the queue drains.
 */
final class WatchSession implements StreamObserver<WatchRequest>, WatchSink {
    private static final Logger LOG = LoggerFactory.getLogger(WatchSession.class);
    private static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});
    static final String ERR_EMPTY_RANGE = "mvcc: watcher range is empty";
    static final String ERR_DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";

    /**
     * Most events one watcher's response collects from revisions that arrive while it waits for the stream; it
     * also stops collecting at --max-request-bytes, so that clients with gRPC's default 4 MiB receive limit can
     * read it.
     */
    static final int MAX_EVENTS_PER_RESPONSE = 1000;
    /** Encoded event lists kept for the next watchers of the queue: about a revision per watcher on a busy stream. */
    private static final int ENCODED_EVENTS_KEPT = 1024;

    /** A response waiting for the stream: either built already ({@code control}), or a watcher's events. */
    private record Pending(WatchResponse control, Batch batch) {
    }

    /**
     * One watcher's events waiting for the stream. Revisions that arrive before the drainer takes it join it, so a
     * stream that falls behind sends fewer, larger responses (as etcd does when a watcher catches up) instead of a
     * response per watcher per revision. Offers to one watcher never overlap (the hub makes them one at a time),
     * but an offer and the drainer's take may, hence the lock.
     */
    private static final class Batch {
        final Watcher watcher;
        private Revision last;
        private int events;
        private long bytes;
        private boolean taken;

        Batch(Watcher watcher, Revision first, long bytes) {
            this.watcher = watcher;
            this.last = first;
            this.events = first.events.size();
            this.bytes = bytes;
        }

        synchronized boolean join(long revision, List<Event> more, long moreBytes, long maxBytes) {
            if (taken || events + more.size() > MAX_EVENTS_PER_RESPONSE || bytes + moreBytes > maxBytes) {
                return false;
            }
            last = last.then(revision, more);
            events += more.size();
            bytes += moreBytes;
            return true;
        }

        /** Encoded size, near enough (protobuf keeps each event's size once computed). */
        static long sizeOf(List<Event> events) {
            long n = 0;
            for (int i = 0; i < events.size(); i++) {
                n += sizeOf(events.get(i));
            }
            return n;
        }

        static long sizeOf(Event e) {
            return e.getSerializedSize() + 4;
        }

        /** The last of the batch's revisions (each links to the one before); none join after this. */
        synchronized Revision take() {
            taken = true;
            return last;
        }
    }

    /**
     * The events of one offer, as the hub handed them (the same list for every watcher that wants them all), after
     * the revisions before it in the same batch. Batches that receive the same revisions share one chain (see
     * {@link #then}), so that the stream can tell by identity that two watchers' responses encode alike: on a busy
     * stream a batch collects dozens of revisions, and comparing them one by one would cost as much as encoding.
     */
    private static final class Revision {
        final long header;
        final List<Event> events;
        final Revision previous;
        /**
         * The revision some batch added after this one most lately: the next batch that adds the same one shares it.
         * Read and written without a lock; a stale read only makes a batch build its own chain.
         */
        private Revision lastNext;

        Revision(long header, List<Event> events, Revision previous) {
            this.header = header;
            this.events = events;
            this.previous = previous;
        }

        boolean is(long header, List<Event> events) {
            return this.header == header && this.events == events;
        }

        Revision then(long header, List<Event> events) {
            Revision next = lastNext;
            if (next == null || !next.is(header, events)) {
                next = new Revision(header, events, this);
                lastNext = next;
            }
            return next;
        }

        /** This chain's revisions, first to last. */
        List<Revision> inOrder() {
            List<Revision> all = new ArrayList<>();
            for (Revision r = this; r != null; r = r.previous) {
                all.add(r);
            }
            Collections.reverse(all);
            return all;
        }
    }

    /** Events as sent (prev_kv filled in when asked for) and their encoding; a fragmenting watcher needs both. */
    private record Encoded(List<Event> events, ByteString bytes) {
    }

    /** An event list's identity, for the encoding cache: equal lists from different revisions are not the same. */
    private record Source(List<Event> events, boolean prevKv) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Source other && other.events == events && other.prevKv == prevKv;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(events) * 31 + (prevKv ? 1 : 0);
        }
    }

    private final ServerCallStreamObserver<WatchMessage> out;
    private final WatchHub hub;
    private final KvSource store;
    private final Headers headers;
    private final Executor executor;
    private final WatchLimits settings;
    private final Consumer<WatchSession> onClose;
    /** The client sent hasleader=true: it wants the stream to fail rather than wait without a leader. */
    private final boolean requiresLeader;
    private final Map<Long, Watcher> watchers = new ConcurrentHashMap<>();
    private final Set<Long> fragmenting = ConcurrentHashMap.newKeySet();
    private final ResponseQueue<Pending> queue = new ResponseQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Object sendLock = new Object();
    private final DrainPacer pacer;
    private volatile boolean closed;
    /**
     * Event lists encoded lately, kept while the next watchers in the queue get the same lists (the hub hands
     * every watcher that wants all of a revision the same list). Guarded by sendLock.
     */
    private final Map<Source, Encoded> encoded = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Source, Encoded> eldest) {
            return size() > ENCODED_EVENTS_KEPT;
        }
    };
    /** The header last encoded and its revision; guarded by sendLock. */
    private ByteString lastHeader;
    private long lastHeaderRevision = -1;
    /**
     * The last batch's revisions and prev_kv option and its encoded response body: watchers of a stream that want
     * the same events get the same revisions, and on a busy stream dozens of them. Guarded by sendLock.
     */
    private Revision lastBodyRevisions;
    private boolean lastBodyPrevKv;
    private ByteString lastBody;
    /** The first revision of the batch begun last: batches begun with the same revision share it (see Revision). */
    private volatile Revision lastFirst;
    /** Next automatic watch ID; requests arrive one at a time, so no lock is needed. */
    private long nextId;

    WatchSession(ServerCallStreamObserver<WatchMessage> out, WatchHub hub, KvSource store, Headers headers,
                 Executor executor, ScheduledExecutorService timer, WatchLimits settings, Consumer<WatchSession> onClose,
                 boolean requiresLeader, Permission permission) {
        this.requiresLeader = requiresLeader;
        this.permission = permission;
        this.out = out;
        this.hub = hub;
        this.store = store;
        this.headers = headers;
        this.executor = executor;
        this.settings = settings;
        this.onClose = onClose;
        this.pacer = new DrainPacer(timer, settings.busyStreamIntervalMs(), this::releaseAndDrain);
        out.setOnReadyHandler(this::scheduleDrain);
        out.setOnCancelHandler(this::close);
    }

    @Override
    public void onNext(WatchRequest req) {
        switch (req.getRequestUnionCase()) {
            case CREATE_REQUEST -> create(req.getCreateRequest());
            case CANCEL_REQUEST -> cancel(req.getCancelRequest().getWatchId());
            case PROGRESS_REQUEST -> {
                if (hub.allSynced(watchers.values())) {
                    enqueueControl(WatchResponse.newBuilder().setWatchId(-1)
                            .setHeader(headers.of(hub.currentRevision())).build());
                }
            }
            default -> {
            }
        }
    }

    /** Whether this stream's caller may watch a range; throws etcd's error when not. */
    @FunctionalInterface
    interface Permission {
        void check(ByteString key, ByteString end) throws dev.hawser.kvstore.errors.EtcdException;
    }

    private final Permission permission;

    private void create(WatchCreateRequest c) {
        ByteString key = c.getKey().isEmpty() ? FROM_KEY : c.getKey();
        ByteString end = c.getRangeEnd();
        long current = hub.currentRevision();
        if (!end.isEmpty() && !end.equals(FROM_KEY)
                && KeyOrder.UNSIGNED.compare(end, key) <= 0) {
            refuse(current, ERR_EMPTY_RANGE);
            return;
        }
        if (c.getStartRevision() < 0) {
            refuse(current, "mvcc: required revision is a future revision");
            return;
        }
        try {
            // The range as it will be watched: a from-key watch is checked as every key from its start on.
            permission.check(key, end);
        } catch (dev.hawser.kvstore.errors.EtcdException e) {
            refuse(current, e.error().message());
            return;
        }
        if (watchers.size() >= settings.maxWatchersPerStream()) {
            refuse(current, WatchLimits.ERR_TOO_MANY_WATCHERS);
            return;
        }
        long id = c.getWatchId();
        if (id != 0 && watchers.containsKey(id)) {
            refuse(current, ERR_DUPLICATE_ID);
            return;
        }
        if (id == 0) {
            while (watchers.containsKey(nextId)) {
                nextId++;
            }
            id = nextId++;
        }
        boolean noPut = c.getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT);
        boolean noDelete = c.getFiltersList().contains(WatchCreateRequest.FilterType.NODELETE);
        long start = c.getStartRevision() == 0 ? current + 1 : c.getStartRevision();
        Watcher w = new Watcher(id, key, end, noPut, noDelete, c.getPrevKv(), c.getProgressNotify(), start, this);
        watchers.put(id, w);
        if (c.getFragment()) {
            fragmenting.add(id);
        }
        // The created response is queued before the hub can queue any event of this watcher.
        enqueueControl(WatchResponse.newBuilder().setHeader(headers.of(current)).setWatchId(id).setCreated(true).build());
        hub.add(w);
    }

    private void refuse(long current, String reason) {
        enqueueControl(WatchResponse.newBuilder().setHeader(headers.of(current)).setWatchId(-1)
                .setCreated(true).setCanceled(true).setCancelReason(reason).build());
    }

    private void cancel(long id) {
        Watcher w = watchers.remove(id);
        if (w == null) {
            return; // etcd ignores unknown IDs
        }
        hub.cancel(w);
        w.sinkState().set(null);
        fragmenting.remove(id);
        enqueueControl(WatchResponse.newBuilder().setHeader(headers.of(hub.currentRevision()))
                .setWatchId(id).setCanceled(true).build());
    }

    /** Sends an event-less response to synced watchers that asked for progress and heard nothing lately. */
    void progressTick() {
        for (Watcher w : watchers.values()) {
            if (w.progressNotify() && !w.takeSentSinceTick() && hub.allSynced(List.of(w))) {
                enqueueControl(WatchResponse.newBuilder().setHeader(headers.of(hub.currentRevision()))
                        .setWatchId(w.id()).build());
            }
        }
    }

    // ---- WatchSink: called by the hub, possibly while the store commits; never blocks ----

    @Override
    public boolean offer(Watcher w, long headerRevision, List<Event> events) {
        if (closed || w.isCancelled()) {
            return true; // nobody listens any more; nothing to catch up on
        }
        pacer.offered();
        // prev_kv may double an event's size.
        long limit = w.prevKv() ? settings.maxRequestBytes() / 2 : settings.maxRequestBytes();
        long bytes = Batch.sizeOf(events);
        Batch b = (Batch) w.sinkState().get();
        if (b != null && b.join(headerRevision, events, bytes, limit)) {
            return true;
        }
        if (queue.size() >= settings.maxQueuedResponses()) {
            return false;
        }
        if (bytes <= limit) {
            enqueue(new Batch(w, first(headerRevision, events), bytes));
        } else {
            // A history read can hold more than one message should: it leaves in pieces of whole revisions, so
            // that a client with gRPC's default 4 MiB receive limit can read it.
            for (List<Event> part : splitAtRevisions(events, limit)) {
                enqueue(new Batch(w, first(headerRevision, part), Batch.sizeOf(part)));
            }
        }
        return true;
    }

    @Override
    public void flush() {
        pacer.eventsQueued();
    }

    private Revision first(long header, List<Event> events) {
        Revision r = lastFirst;
        if (r == null || !r.is(header, events)) {
            r = new Revision(header, events, null);
            lastFirst = r;
        }
        return r;
    }

    private void enqueue(Batch b) {
        b.watcher.sinkState().set(b);
        queue.add(new Pending(null, b));
    }

    /**
     * Events in pieces of whole revisions of at most {@code maxBytes} each. A single revision larger than that
     * stays whole: etcd's fragment option is the way to split one.
     */
    static List<List<Event>> splitAtRevisions(List<Event> events, long maxBytes) {
        List<List<Event>> parts = new ArrayList<>();
        int partStart = 0;
        long partBytes = 0;
        int i = 0;
        while (i < events.size()) {
            long rev = events.get(i).getKv().getModRevision();
            int end = i;
            long revBytes = 0;
            while (end < events.size() && events.get(end).getKv().getModRevision() == rev) {
                revBytes += Batch.sizeOf(events.get(end));
                end++;
            }
            if (i > partStart && partBytes + revBytes > maxBytes) {
                parts.add(events.subList(partStart, i));
                partStart = i;
                partBytes = 0;
            }
            partBytes += revBytes;
            i = end;
        }
        parts.add(events.subList(partStart, events.size()));
        return parts;
    }

    @Override
    public void compacted(Watcher w, long compactRevision) {
        if (watchers.remove(w.id()) == null) {
            return;
        }
        // etcd's compacted cancel carries no revision in its header.
        enqueueControl(WatchResponse.newBuilder().setHeader(headers.of(0))
                .setWatchId(w.id()).setCanceled(true).setCompactRevision(compactRevision)
                .setCancelReason("mvcc: required revision has been compacted").build());
    }

    @Override
    public boolean hasRoom() {
        return queue.size() < settings.maxQueuedResponses();
    }

    // ---- sending ----

    private void enqueueControl(WatchResponse r) {
        if (closed) {
            return;
        }
        queue.add(new Pending(r, null));
        releaseAndDrain();
    }

    private void releaseAndDrain() {
        queue.release();
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (!closed && drainScheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        boolean sentAny = false;
        try {
            synchronized (sendLock) {
                while (!closed && out.isReady()) {
                    Pending p = queue.takeReleased();
                    if (p == null) {
                        break;
                    }
                    send(p);
                    sentAny = true;
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("watch stream failed", e);
            close();
            return;
        } finally {
            drainScheduled.set(false);
        }
        if (queue.hasReleased() && out.isReady()) {
            scheduleDrain();
        }
        if (sentAny) {
            pacer.drained();
            hub.sinkDrained();
        }
    }

    private void send(Pending p) {
        if (p.control() != null) {
            out.onNext(WatchMessage.of(p.control()));
            return;
        }
        Batch batch = p.batch();
        Watcher w = batch.watcher;
        Revision last = batch.take();
        w.sinkState().compareAndSet(batch, null);
        if (w.isCancelled()) {
            return;
        }
        w.markSent();
        ByteString body = body(last, w.prevKv());
        if (body.size() > settings.maxRequestBytes() && fragmenting.contains(w.id())) {
            List<Event> events = new ArrayList<>();
            for (Revision r : last.inOrder()) {
                events.addAll(encode(r.events, w.prevKv()).events());
            }
            if (events.size() > 1) {
                sendFragments(w, last.header, events);
                return;
            }
        }
        out.onNext(WatchMessage.forWatcher(w.id(), body));
    }

    /** A watcher's response without its watch ID: the last revision's header, then every revision's events. */
    private ByteString body(Revision last, boolean prevKv) {
        if (last == lastBodyRevisions && prevKv == lastBodyPrevKv) {
            return lastBody;
        }
        ByteString events = ByteString.EMPTY;
        for (Revision r : last.inOrder()) {
            events = events.concat(encode(r.events, prevKv).bytes());
        }
        lastBody = header(last.header).concat(events);
        lastBodyRevisions = last;
        lastBodyPrevKv = prevKv;
        return lastBody;
    }

    private ByteString header(long revision) {
        if (revision != lastHeaderRevision) {
            lastHeader = WatchMessage.headerPart(headers.of(revision));
            lastHeaderRevision = revision;
        }
        return lastHeader;
    }

    /** A revision's events, encoded once for all the watchers that get the same list. */
    private Encoded encode(List<Event> source, boolean prevKv) {
        return encoded.computeIfAbsent(new Source(source, prevKv), k -> {
            List<Event> events = prevKv ? withPrevKv(source) : source;
            return new Encoded(events, WatchMessage.eventsPart(events));
        });
    }

    /** etcd's fragment option: split a too-large response, never an event, marking all but the last piece. */
    private void sendFragments(Watcher w, long revision, List<Event> events) {
        List<Event> piece = new ArrayList<>();
        int size = 0;
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            int es = e.getSerializedSize() + 8;
            if (!piece.isEmpty() && size + es > settings.maxRequestBytes()) {
                out.onNext(WatchMessage.of(fragment(w, revision, piece, true)));
                piece = new ArrayList<>();
                size = 0;
            }
            piece.add(e);
            size += es;
        }
        out.onNext(WatchMessage.of(fragment(w, revision, piece, false)));
    }

    private WatchResponse fragment(Watcher w, long revision, List<Event> events, boolean more) {
        return WatchResponse.newBuilder().setHeader(headers.of(revision)).setWatchId(w.id())
                .addAllEvents(events).setFragment(more).build();
    }

    /** The previous version of each key, read at the revision before the event (etcd's prev_kv). */
    private List<Event> withPrevKv(List<Event> events) {
        return store.withKv(kv -> {
            List<Event> outEvents = new ArrayList<>(events.size());
            try (TxnRead r = kv.read()) {
                for (Event e : events) {
                    KeyValue cur = e.getKv();
                    boolean creation = e.getType() == Event.EventType.PUT && cur.getCreateRevision() == cur.getModRevision();
                    if (creation) {
                        outEvents.add(e);
                        continue;
                    }
                    KeyValue prev = null;
                    try {
                        List<KeyValue> kvs = r.range(cur.getKey(), ByteString.EMPTY,
                                new RangeOptions(0, cur.getModRevision() - 1, false)).kvs();
                        prev = kvs.isEmpty() ? null : kvs.get(0);
                    } catch (MvccException compacted) {
                        // the previous version is gone: send the event without it
                    }
                    outEvents.add(prev == null ? e : e.toBuilder().setPrevKv(prev).build());
                }
            }
            return outEvents;
        });
    }

    // ---- end of stream ----

    @Override
    public void onError(Throwable t) {
        close();
    }

    @Override
    public void onCompleted() {
        close();
        synchronized (sendLock) {
            try {
                out.onCompleted();
            } catch (RuntimeException e) {
                // already cancelled
            }
        }
    }

    /** Ends the stream with etcd's "no leader" if the client asked for that. */
    void failIfLeaderRequired() {
        if (!requiresLeader || closed) {
            return;
        }
        close();
        synchronized (sendLock) {
            try {
                out.onError(GrpcErrors.of(dev.hawser.kvstore.errors.EtcdError.NO_LEADER));
            } catch (RuntimeException e) {
                // already cancelled
            }
        }
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Watcher w : watchers.values()) {
            hub.cancel(w);
        }
        watchers.clear();
        queue.clear();
        synchronized (sendLock) {
            encoded.clear();
            lastBodyRevisions = null;
            lastBody = null;
            lastFirst = null;
        }
        onClose.accept(this);
    }
}
