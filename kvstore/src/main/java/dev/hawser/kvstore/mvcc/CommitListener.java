package dev.hawser.kvstore.mvcc;

import dev.hawser.proto.mvccpb.Event;
import java.util.List;

/**
 * Told about every write transaction that changed something. Called on the writing thread under the write
 * lock, after the batch is written and before {@code rev} becomes visible to readers: a watcher notified here
 * cannot miss the revision nor see it twice (etcd's watchable store does the same in {@code End()}). It may read
 * the store on its own thread, but must not wait for another thread that reads it: readers wait for the writer.
 */
@FunctionalInterface
public interface CommitListener {
    CommitListener NONE = (rev, events) -> { };

    /** {@code events} is immutable; the listener may keep it. */
    void onCommit(long rev, List<Event> events);

    /**
     * Called after the {@link #onCommit}s of one write group (one Raft entry's revisions), under the same lock: a
     * listener that handed work on per revision can send it on once per group here.
     */
    default void afterCommits() {
    }
}
