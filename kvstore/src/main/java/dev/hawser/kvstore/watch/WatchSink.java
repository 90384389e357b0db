package dev.hawser.kvstore.watch;

import dev.hawser.proto.mvccpb.Event;

import java.util.List;

/**
 * Where a watcher's events go: one client stream. Offers never block, because they are
 * made while the store is committing; a full sink refuses, and the watcher catches up
 * from history once the sink drains.
 */
public interface WatchSink {
    /**
     * Queues one response, to be sent on the next {@link #flush}. Events are whole revisions in revision order.
     * @param headerRevision the revision reported in the response header
     */
    boolean offer(Watcher w, long headerRevision, List<Event> events);

    /** Sends what was offered: the hub calls it after a write group's offers, so that they leave together. */
    default void flush() {
    }

    /** The watcher's start is below the compaction point: tell the client and forget the watcher. */
    void compacted(Watcher w, long compactRevision);

    /** Room for more responses? The catch-up loop checks before reading history. */
    boolean hasRoom();
}
