package dev.hawser.kvstore.watch;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.KeyRange;
import dev.hawser.proto.mvccpb.Event;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One watch: a key range, filters, and the next revision it still has to receive. The
 * hub moves it between the synced group (fed live on every commit) and the unsynced set
 * (fed from history), and {@code nextRev} is what makes that hand-over gap-free.
 */
public final class Watcher {
    private final long id;
    private final ByteString key;
    private final ByteString end;
    private final boolean noPut;
    private final boolean noDelete;
    private final boolean prevKv;
    private final boolean progressNotify;
    private final WatchSink sink;
    /** Next revision to deliver; guarded by the hub's lock. */
    long nextRev;
    volatile boolean cancelled;
    /** Set when events were sent since the last progress tick. */
    private volatile boolean sentSinceTick;
    /** What its sink keeps for this watcher between offers: a stream's response still open for more revisions. */
    private final AtomicReference<Object> sinkState = new AtomicReference<>();

    public Watcher(long id, ByteString key, ByteString end, boolean noPut, boolean noDelete,
                   boolean prevKv, boolean progressNotify, long nextRev, WatchSink sink) {
        this.id = id;
        this.key = key;
        this.end = end;
        this.noPut = noPut;
        this.noDelete = noDelete;
        this.prevKv = prevKv;
        this.progressNotify = progressNotify;
        this.nextRev = nextRev;
        this.sink = sink;
    }

    public long id() {
        return id;
    }

    public boolean prevKv() {
        return prevKv;
    }

    public boolean progressNotify() {
        return progressNotify;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Records that events went out, so the next progress notification is skipped. */
    public void markSent() {
        sentSinceTick = true;
    }

    /** Whether events went out since the last call; clears the mark. */
    public boolean takeSentSinceTick() {
        boolean sent = sentSinceTick;
        sentSinceTick = false;
        return sent;
    }

    WatchSink sink() {
        return sink;
    }

    public AtomicReference<Object> sinkState() {
        return sinkState;
    }

    /** The one key this watcher watches, or null when it watches a range: the hub indexes single keys. */
    ByteString singleKey() {
        return end.isEmpty() ? key : null;
    }

    /** Whether this watcher wants the event: its key is in range and no filter drops its type. */
    boolean wants(Event e) {
        return wantsType(e) && contains(e.getKv().getKey());
    }

    /** Whether no filter drops the event's type. */
    boolean wantsType(Event e) {
        return !(e.getType() == Event.EventType.PUT ? noPut : noDelete);
    }

    boolean contains(ByteString k) {
        return KeyRange.contains(key, end, k);
    }
}
