package dev.hawser.kvstore.watch;

import com.google.protobuf.ByteString;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which synced watchers a commit reaches, and when their streams are told to send. */
class WatchHubFanOutTest {
    private final WatchHub hub = new WatchHub(new KvSource() {
        @Override
        public <T, E extends Exception> T withKv(KvFunction<T, E> fn) {
            throw new AssertionError("synced watchers never read history");
        }
    });

    @AfterEach
    void close() {
        hub.close();
    }

    @Test
    void eachWatcherGetsTheEventsOfItsKeyRangeOrPrefixThatItsFiltersLetThrough() {
        RecordingSink sink = new RecordingSink();
        Watcher onA = watcher(1, "a", "", false, sink);
        Watcher onATwice = watcher(2, "a", "", false, sink);
        Watcher range = watcher(3, "a", "c", false, sink);
        Watcher fromB = watcher(4, "b", "\0", false, sink);
        Watcher onANoPut = watcher(5, "a", "", true, sink);
        Watcher onZ = watcher(6, "z", "", false, sink);
        List.of(onA, onATwice, range, fromB, onANoPut, onZ).forEach(hub::add);

        hub.onCommit(1, List.of(put("a", 1)));
        hub.onCommit(2, List.of(put("b", 2), delete("a", 2), put("c", 2)));
        hub.onCommit(3, List.of(delete("a", 3)));
        hub.onCommit(4, List.of(put("a", 4)));
        hub.afterCommits();

        assertEquals(List.of("1:PUT a", "2:DELETE a", "3:DELETE a", "4:PUT a"), sink.received(onA));
        assertEquals(List.of("1:PUT a", "2:DELETE a", "3:DELETE a", "4:PUT a"), sink.received(onATwice));
        assertEquals(List.of("1:PUT a", "2:PUT b", "2:DELETE a", "3:DELETE a", "4:PUT a"), sink.received(range));
        assertEquals(List.of("2:PUT b", "2:PUT c"), sink.received(fromB));
        assertEquals(List.of("2:DELETE a", "3:DELETE a"), sink.received(onANoPut));
        assertEquals(List.of(), sink.received(onZ));
    }

    @Test
    void streamsAreFlushedOnceAfterTheWriteGroupNotPerOffer() {
        RecordingSink first = new RecordingSink();
        RecordingSink second = new RecordingSink();
        RecordingSink idle = new RecordingSink();
        for (int i = 0; i < 3; i++) {
            hub.add(watcher(i, "k", "", false, first));
            hub.add(watcher(10 + i, "k", "", false, second));
        }
        hub.add(watcher(20, "other", "", false, idle));

        hub.onCommit(1, List.of(put("k", 1)));
        hub.onCommit(2, List.of(put("k", 2)));
        assertEquals(0, first.flushes);

        hub.afterCommits();
        assertEquals(1, first.flushes);
        assertEquals(1, second.flushes);
        assertEquals(0, idle.flushes);
        assertEquals(6, first.offers);

        hub.afterCommits();
        assertEquals(1, first.flushes, "nothing new to send");
    }

    @Test
    void aWatcherCancelledDuringACommitDoesNotStopTheOthersAndGetsNothingMore() {
        RecordingSink sink = new RecordingSink();
        List<Watcher> ws = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ws.add(watcher(i, "k", "", false, sink));
        }
        // The first watcher's sink cancels it on its first event, as a lock waiter's sink does.
        sink.onOffer = w -> {
            if (w == ws.get(0)) {
                hub.cancel(w);
            }
        };
        ws.forEach(hub::add);

        hub.onCommit(1, List.of(put("k", 1)));
        hub.onCommit(2, List.of(put("k", 2)));
        hub.afterCommits();

        assertEquals(List.of("1:PUT k"), sink.received(ws.get(0)));
        for (Watcher w : ws.subList(1, 4)) {
            assertEquals(List.of("1:PUT k", "2:PUT k"), sink.received(w));
        }
        assertTrue(hub.allSynced(ws.subList(1, 4)));
        assertFalse(hub.allSynced(ws.subList(0, 1)));
    }

    private static Watcher watcher(long id, String key, String end, boolean noPut, WatchSink sink) {
        return new Watcher(id, ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(end), noPut, false, false, false,
                1, sink);
    }

    private static Event put(String key, long rev) {
        return event(Event.EventType.PUT, key, rev);
    }

    private static Event delete(String key, long rev) {
        return event(Event.EventType.DELETE, key, rev);
    }

    private static Event event(Event.EventType type, String key, long rev) {
        return Event.newBuilder().setType(type)
                .setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setModRevision(rev)).build();
    }

    private static final class RecordingSink implements WatchSink {
        private final List<Watcher> watchers = new ArrayList<>();
        private final List<String> events = new ArrayList<>();
        int offers;
        int flushes;
        Consumer<Watcher> onOffer = w -> { };

        @Override
        public boolean offer(Watcher w, long headerRevision, List<Event> offered) {
            offers++;
            for (Event e : offered) {
                watchers.add(w);
                events.add(e.getKv().getModRevision() + ":" + e.getType() + " " + e.getKv().getKey().toStringUtf8());
            }
            onOffer.accept(w);
            return true;
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void compacted(Watcher w, long compactRevision) {
            throw new AssertionError("nothing was compacted");
        }

        @Override
        public boolean hasRoom() {
            return true;
        }

        List<String> received(Watcher w) {
            List<String> mine = new ArrayList<>();
            for (int i = 0; i < watchers.size(); i++) {
                if (watchers.get(i) == w) {
                    mine.add(events.get(i));
                }
            }
            return mine;
        }
    }
}
