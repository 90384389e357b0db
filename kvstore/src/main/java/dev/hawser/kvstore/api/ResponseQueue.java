package dev.hawser.kvstore.api;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Watch stream's responses waiting to be sent, in order, with a release mark: the drainer takes only what was
 * queued before the last {@link #release()}. Flushes and control responses release; gRPC's onReady, which resumes
 * a drain that flow control cut short, does not. Otherwise that resumed drain would also send the small responses
 * begun since, which on a paced stream (see {@link DrainPacer}) should wait and grow until the next paced drain.
 *
 * <p>Any thread may add and release; one thread at a time takes.
 */
final class ResponseQueue<T> {
    private record Entry<T>(long seq, T item) {
    }

    private final Queue<Entry<T>> entries = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong added = new AtomicLong();
    private final AtomicLong released = new AtomicLong();

    void add(T item) {
        size.incrementAndGet();
        entries.add(new Entry<>(added.incrementAndGet(), item));
    }

    /** Everything added so far may be taken. */
    void release() {
        released.accumulateAndGet(added.get(), Math::max);
    }

    /** The next response if it was released, else null. */
    T takeReleased() {
        if (!hasReleased()) {
            return null;
        }
        Entry<T> e = entries.poll();
        size.decrementAndGet();
        return e.item();
    }

    /**
     * Whether the next response was released. Two adders may race, so a released response can sit behind one added
     * after the mark; it leaves with the next release, which the later adder's flush brings.
     */
    boolean hasReleased() {
        Entry<T> head = entries.peek();
        return head != null && head.seq() <= released.get();
    }

    int size() {
        return size.get();
    }

    void clear() {
        entries.clear();
        size.set(0);
    }
}
