package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.ReadSnapshot;
import dev.hawser.proto.mvccpb.Event;
import dev.hawser.proto.mvccpb.KeyValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The records of the {@code key} column family: a serialized {@link KeyValue} per revision. */
final class KeyValues {
    private KeyValues() {
    }

    /**
     * What a tombstone stores and what its DELETE event carries: the key, so the index can be rebuilt, and the
     * deletion revision; every other field stays unset, as in etcd's DELETE events.
     */
    static KeyValue tombstone(ByteString key, long rev) {
        return KeyValue.newBuilder().setKey(key).setModRevision(rev).build();
    }

    static Event toEvent(byte[] revisionKey, byte[] stored) {
        Event.EventType type = Revision.isTombstone(revisionKey) ? Event.EventType.DELETE : Event.EventType.PUT;
        return Event.newBuilder().setType(type).setKv(parse(stored)).build();
    }

    /**
     * Parses a stored record. The key and value alias {@code stored} instead of being copied: the array is
     * fresh from RocksDB and nothing else holds it.
     */
    static KeyValue parse(byte[] stored) {
        CodedInputStream in = CodedInputStream.newInstance(stored);
        in.enableAliasing(true);
        try {
            return KeyValue.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt record in the key column family", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read a byte array", e);
        }
    }

    /** Reads the records of {@code revisions} in one multiGet; null {@code snapshot} reads the latest state. */
    static List<KeyValue> fetch(Backend backend, ReadSnapshot snapshot, List<Revision> revisions) {
        List<byte[]> keys = new ArrayList<>(revisions.size());
        for (Revision rev : revisions) {
            keys.add(rev.toBytes());
        }
        List<byte[]> values = snapshot == null
                ? backend.multiGet(Cf.KEY, keys)
                : backend.multiGet(snapshot, Cf.KEY, keys);
        List<KeyValue> kvs = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            byte[] value = values.get(i);
            if (value == null) {
                // The index only names revisions that compaction keeps, and snapshots pin them: a miss is a bug.
                throw new IllegalStateException("no record for revision " + revisions.get(i));
            }
            kvs.add(parse(value));
        }
        return kvs;
    }
}
