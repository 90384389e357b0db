package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;
import dev.hawser.proto.mvccpb.Event;
import java.util.List;

/**
 * The single write transaction (etcd's {@code TxnWrite}). Its ranges see its own earlier writes, so later
 * operations in one etcd Txn see earlier ones.
 */
public interface TxnWrite extends ReadView, AutoCloseable {
    /** Puts {@code value} under {@code key} with {@code lease} (0 = none). */
    void put(ByteString key, ByteString value, long lease);

    /** Deletes the live keys in the range ({@link ReadView#range} key-range rules); returns how many. */
    long deleteRange(ByteString key, ByteString end);

    /** The events this transaction produced so far, in order; DELETE events hold only key and mod_revision. */
    List<Event> changes();

    /**
     * Commits: writes the batch given to {@link KV#write} (always, even without changes, since the caller may
     * have added its own entries such as the applied index), tells the {@link CommitListener} if anything
     * changed, then makes the new revision visible. A {@code StorageException} here leaves the store unusable;
     * the node must restart and recover from its Raft log. A transaction of a {@link WriteGroup} only hands its
     * changes to the group, which commits them when it closes.
     */
    @Override
    void close();
}
