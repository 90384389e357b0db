package dev.hawser.kvstore.watch;

import dev.hawser.kvstore.mvcc.CommitListener;
import dev.hawser.kvstore.mvcc.CompactedException;
import dev.hawser.kvstore.mvcc.KV;
import dev.hawser.kvstore.mvcc.MvccException;
import dev.hawser.proto.mvccpb.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Delivers committed events to watchers, as etcd's watchable store does.
 *
 * <p>A <em>synced</em> watcher has seen every revision up to the current one and gets
 * each new commit from {@link #onCommit}, which the store calls before the revision
 * becomes visible. An <em>unsynced</em> watcher (one that starts in the past, or whose
 * client stream was full) is fed from history by a single catch-up thread. It rejoins
 * the synced group only under the hub's lock, once its next revision is above the last
 * announced one: every later commit will reach it through {@link #onCommit}. Hence no
 * gaps and no repeats.
 */
public final class WatchHub implements CommitListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);
    /** etcd sends at most this many revisions of history in one response. */
    static final int MAX_REVISIONS_PER_RESPONSE = 1000;
    /** Catch-up responses one watcher may queue per round before the others get their turn. */
    static final int MAX_RESPONSES_PER_ROUND = 16;

    private final KvSource store;
    private final ScheduledExecutorService catchUp;
    private final Object lock = new Object();
    private final SyncedWatchers synced = new SyncedWatchers();
    private final Set<Watcher> unsynced = new LinkedHashSet<>();
    /** Sinks given responses since the last {@link #afterCommits}, to be flushed then. */
    private final Set<WatchSink> toFlush = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean catchUpScheduled;
    /** The newest revision announced through {@link #onCommit}; it may not be visible to readers yet. */
    private long announced;

    public WatchHub(KvSource store) {
        this.store = store;
        // One thread: two catch-up rounds working on the same watcher would send its history twice.
        this.catchUp = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "watch-catch-up");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void close() {
        catchUp.shutdownNow();
    }

    /** The revision a watch that starts "now" has seen: etcd's current revision for watchers. */
    public long currentRevision() {
        synchronized (lock) {
            return announced;
        }
    }

    /**
     * Adds a watcher whose {@code nextRev} is set. It joins the synced group when it needs
     * nothing announced so far, else it catches up from history first.
     */
    public void add(Watcher w) {
        synchronized (lock) {
            if (w.cancelled) {
                return; // cancelled before it was added
            }
            if (w.nextRev > announced) {
                synced.add(w);
                return;
            }
            unsynced.add(w);
        }
        scheduleCatchUp(0);
    }

    public void cancel(Watcher w) {
        w.cancelled = true;
        synchronized (lock) {
            synced.remove(w);
            unsynced.remove(w);
        }
    }

    /** Whether every given watcher is synced: the condition for answering a progress request. */
    public boolean allSynced(Iterable<Watcher> ws) {
        synchronized (lock) {
            for (Watcher w : ws) {
                if (!synced.contains(w)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * A store was opened, or replaced by a snapshot: nobody can be sure to have seen
     * everything now, so every watcher catches up from the new store's history.
     */
    public void storeReplaced() {
        synchronized (lock) {
            announced = store.withKv(KV::rev);
            unsynced.addAll(synced.removeAll());
        }
        scheduleCatchUp(0);
    }

    /** A sink drained: its watchers that fell behind can catch up now. */
    public void sinkDrained() {
        boolean any;
        synchronized (lock) {
            any = !unsynced.isEmpty();
        }
        if (any) {
            scheduleCatchUp(0);
        }
    }

    @Override
    public void onCommit(long rev, List<Event> events) {
        List<Watcher> fellBehind = null;
        synchronized (lock) {
            announced = rev;
            WatchSink lastSink = null;
            for (Watcher[] group : synced.candidates(events)) {
                for (Watcher w : group) {
                    if (w.cancelled) {
                        continue;
                    }
                    if (w.nextRev > rev) {
                        continue; // started in the future
                    }
                    List<Event> mine = select(w, events);
                    w.nextRev = rev + 1;
                    if (mine.isEmpty()) {
                        continue;
                    }
                    WatchSink sink = w.sink();
                    if (!sink.offer(w, rev, mine)) {
                        w.nextRev = rev; // redeliver this revision from history
                        if (fellBehind == null) {
                            fellBehind = new ArrayList<>();
                        }
                        fellBehind.add(w);
                    } else if (sink != lastSink) {
                        toFlush.add(sink); // a stream's watchers tend to come one after another
                        lastSink = sink;
                    }
                }
            }
            if (fellBehind != null) {
                fellBehind.forEach(synced::remove);
                unsynced.addAll(fellBehind);
            }
        }
        if (fellBehind != null) {
            scheduleCatchUp(100);
        }
    }

    /**
     * The revisions of one write group were all announced: the streams that got responses send them now, so that
     * a stream sends a group's revisions in one go, and a watcher's revisions of the group in one response.
     */
    @Override
    public void afterCommits() {
        List<WatchSink> sinks;
        synchronized (lock) {
            if (toFlush.isEmpty()) {
                return;
            }
            sinks = new ArrayList<>(toFlush);
            toFlush.clear();
        }
        sinks.forEach(WatchSink::flush);
    }

    /**
     * The events {@code w}, a candidate of this revision ({@link SyncedWatchers#candidates}), wants. When it wants
     * them all it gets the revision's own list, shared with every other such watcher, so that a stream can encode
     * them once for all of them (see WatchSession).
     */
    private static List<Event> select(Watcher w, List<Event> events) {
        if (events.size() == 1 && w.singleKey() != null) {
            // A single-key watcher is a candidate of a one-event revision only through that event's key.
            return w.wantsType(events.get(0)) ? events : List.of();
        }
        List<Event> mine = null;
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            boolean wanted = w.wants(e);
            if (mine == null && !wanted) {
                mine = new ArrayList<>(events.subList(0, i));
            } else if (mine != null && wanted) {
                mine.add(e);
            }
        }
        return mine == null ? events : mine;
    }

    private void scheduleCatchUp(long delayMs) {
        synchronized (lock) {
            if (catchUpScheduled) {
                return;
            }
            catchUpScheduled = true;
        }
        catchUp.schedule(this::runCatchUp, delayMs, TimeUnit.MILLISECONDS);
    }

    private void runCatchUp() {
        synchronized (lock) {
            catchUpScheduled = false;
        }
        List<Watcher> todo;
        synchronized (lock) {
            todo = new ArrayList<>(unsynced);
        }
        boolean again = false;
        for (Watcher w : todo) {
            try {
                again |= !catchUp(w);
            } catch (RuntimeException e) {
                LOG.warn("watch catch-up failed for watcher {}", w.id(), e);
                again = true;
            }
        }
        if (again) {
            scheduleCatchUp(50);
        }
    }

    /** Feeds one watcher from history; returns true when it is synced (or gone). */
    private boolean catchUp(Watcher w) {
        while (!w.cancelled) {
            if (!w.sink().hasRoom()) {
                return false;
            }
            long from;
            synchronized (lock) {
                if (!unsynced.contains(w)) {
                    return true;
                }
                from = w.nextRev;
                if (from > announced) {
                    // Everything announced was delivered; every later commit will be announced to it.
                    unsynced.remove(w);
                    synced.add(w);
                    return true;
                }
            }
            long next = store.withKv(kv -> replay(kv, w, from));
            w.sink().flush();
            if (next < 0) {
                return true; // compacted: the watcher was cancelled
            }
            synchronized (lock) {
                w.nextRev = next;
            }
            if (next == from) {
                // Nothing sent: the sink is full, or the announced revision is not visible yet.
                return false;
            }
        }
        return true;
    }

    /**
     * Sends history from {@code from} on, whole revisions at a time, until the sink is full,
     * this round's share is used up, or the history ends. Returns the next revision still to
     * send, or -1 when it was compacted away (the watcher is then cancelled).
     */
    private long replay(KV kv, Watcher w, long from) {
        long compactRev = kv.compactRev();
        if (from < compactRev) {
            cancel(w);
            w.sink().compacted(w, compactRev);
            return -1;
        }
        HistoryBatch batch = new HistoryBatch(w, from, kv.rev());
        try {
            kv.events(from, batch.to, batch::accept);
        } catch (CompactedException e) {
            cancel(w);
            w.sink().compacted(w, kv.compactRev());
            return -1;
        } catch (MvccException e) {
            throw new IllegalStateException(e);
        }
        return batch.finish();
    }

    /**
     * Groups replayed events into responses of whole revisions, at most
     * {@value #MAX_REVISIONS_PER_RESPONSE} revisions each and {@value #MAX_RESPONSES_PER_ROUND}
     * responses per round, so one watcher far behind cannot fill memory or starve the others.
     */
    private static final class HistoryBatch {
        private final Watcher w;
        private final long to;
        private final List<Event> events = new ArrayList<>();
        /** Every revision below this one was handed to the sink. */
        private long nextToSend;
        private long current = -1;
        private int revisions;
        private int responses;
        private boolean stopped;

        HistoryBatch(Watcher w, long from, long to) {
            this.w = w;
            this.nextToSend = from;
            this.to = to;
        }

        boolean accept(Event e) {
            long rev = e.getKv().getModRevision();
            if (rev != current) {
                if (revisions >= MAX_REVISIONS_PER_RESPONSE
                        && (!flush(rev) || responses >= MAX_RESPONSES_PER_ROUND)) {
                    stopped = true;
                    return false;
                }
                current = rev;
                revisions++;
            }
            if (w.wants(e)) {
                events.add(e);
            }
            return true;
        }

        /** The next revision to send: past the history when it all went out. */
        long finish() {
            if (!stopped && nextToSend <= to && flush(to + 1)) {
                return to + 1;
            }
            return nextToSend;
        }

        private boolean flush(long upTo) {
            if (!events.isEmpty()) {
                if (!w.sink().offer(w, to, List.copyOf(events))) {
                    return false;
                }
                responses++;
            }
            events.clear();
            nextToSend = upTo;
            revisions = 0;
            return true;
        }
    }
}
