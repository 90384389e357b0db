package dev.hawser.kvstore.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.ResponseHeader;
import dev.hawser.proto.etcdserverpb.WatchResponse;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class WatchMessageTest {

    private static WatchResponse shared(long revision, int events) {
        WatchResponse.Builder b = WatchResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setClusterId(7).setMemberId(9).setRevision(revision).setRaftTerm(3));
        for (int i = 0; i < events; i++) {
            b.addEvents(Event.newBuilder().setType(i % 2 == 0 ? Event.EventType.PUT : Event.EventType.DELETE)
                    .setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k" + i)).setValue(ByteString.copyFromUtf8("v" + i))
                            .setModRevision(revision).setCreateRevision(1).setVersion(i + 1)));
        }
        return b.build();
    }

    /**
     * Each watcher's copy, a header and the events of one or more revisions put together from their parts,
     * decodes as the response the generated code would have built for that watcher.
     */
    @Property(tries = 200)
    void aWatchersCopyDecodesAsItsOwnResponse(@ForAll long watchId, @ForAll @IntRange(min = 1, max = 4) int revisions,
                                              @ForAll @IntRange(min = 0, max = 5) int events,
                                              @ForAll @IntRange(min = 1, max = 1_000_000) int revision) throws Exception {
        WatchResponse.Builder expected = WatchResponse.newBuilder().setWatchId(watchId);
        ByteString body = ByteString.EMPTY;
        for (int r = 0; r < revisions; r++) {
            WatchResponse part = shared(revision + r, events);
            expected.addAllEvents(part.getEventsList());
            body = body.concat(WatchMessage.eventsPart(part.getEventsList()));
        }
        ResponseHeader header = shared(revision + revisions - 1, 0).getHeader();
        expected.setHeader(header);
        WatchMessage m = WatchMessage.forWatcher(watchId, WatchMessage.headerPart(header).concat(body));
        assertEquals(expected.build(), WatchResponse.parseFrom(read(m)));
        assertEquals(expected.build(), WatchResponse.parseFrom(drained(m)));
        assertEquals(m.serializedSize(), drained(m).length);
    }

    @Test
    void aWholeResponseTravelsUnchanged() throws Exception {
        WatchResponse r = shared(5, 0).toBuilder().setWatchId(-1).setCreated(true).setCanceled(true)
                .setCancelReason("mvcc: watcher range is empty").build();
        WatchMessage m = WatchMessage.of(r);
        assertArrayEquals(r.toByteArray(), drained(m));
        assertEquals(r, WatchResponse.parseFrom(read(m)));
    }

    /** gRPC drains the stream when it can; a reader that reads byte by byte must see the same bytes. */
    @Test
    void readingAndDrainingGiveTheSameBytes() throws Exception {
        WatchResponse r = shared(11, 3);
        WatchMessage m = WatchMessage.forWatcher(42,
                WatchMessage.headerPart(r.getHeader()).concat(WatchMessage.eventsPart(r.getEventsList())));
        InputStream in = WatchMessage.MARSHALLER.stream(m);
        assertEquals(m.serializedSize(), in.available());
        assertArrayEquals(drained(m), in.readAllBytes());
        assertEquals(0, in.available());
    }

    /** The bytes as a reader that does not drain gets them. */
    private static byte[] read(WatchMessage m) throws Exception {
        return WatchMessage.MARSHALLER.stream(m).readAllBytes();
    }

    private static byte[] drained(WatchMessage m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = WatchMessage.MARSHALLER.stream(m);
        int n = ((io.grpc.Drainable) in).drainTo(out);
        assertEquals(out.size(), n);
        return out.toByteArray();
    }
}
