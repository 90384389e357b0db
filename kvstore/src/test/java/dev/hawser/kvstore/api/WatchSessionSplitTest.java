package dev.hawser.kvstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** A history read too large for one message is cut between revisions, never inside one, and nothing is lost. */
class WatchSessionSplitTest {

    @Property(tries = 300)
    void piecesAreWholeRevisionsWithinTheLimitAndKeepEveryEventInOrder(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 4) Integer> eventsPerRevision,
            @ForAll @IntRange(min = 0, max = 3000) int valueBytes,
            @ForAll @IntRange(min = 1, max = 20_000) int maxBytes) {
        List<Event> events = new ArrayList<>();
        long rev = 100;
        for (int n : eventsPerRevision) {
            rev++;
            for (int i = 0; i < n; i++) {
                events.add(Event.newBuilder().setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k" + rev + "/" + i))
                        .setValue(ByteString.copyFrom(new byte[valueBytes])).setModRevision(rev)).build());
            }
        }

        List<List<Event>> parts = WatchSession.splitAtRevisions(events, maxBytes);

        List<Event> joined = new ArrayList<>();
        parts.forEach(joined::addAll);
        assertEquals(events, joined, "every event once, in order");
        for (int p = 0; p < parts.size(); p++) {
            List<Event> part = parts.get(p);
            assertTrue(!part.isEmpty(), "no empty piece");
            long first = part.get(0).getKv().getModRevision();
            long last = part.get(part.size() - 1).getKv().getModRevision();
            boolean oneRevision = first == last;
            assertTrue(oneRevision || sizeOf(part) <= maxBytes, "a piece of several revisions fits the limit");
            if (p > 0) {
                List<Event> before = parts.get(p - 1);
                assertTrue(before.get(before.size() - 1).getKv().getModRevision() < first, "cut between revisions");
                // Cut only when needed: this piece's first revision would not have fitted in the one before.
                long firstRevisionBytes = sizeOf(part.stream().filter(e -> e.getKv().getModRevision() == first).toList());
                assertTrue(sizeOf(before) + firstRevisionBytes > maxBytes, "no needless cut");
            }
        }
    }

    private static long sizeOf(List<Event> events) {
        return events.stream().mapToLong(e -> e.getSerializedSize() + 4).sum();
    }
}
