package dev.hawser.kvstore.mvcc;

import com.google.protobuf.ByteString;

/**
 * Keeps the lessor's key lists in step with the store (etcd's lessor {@code Attach}/{@code Detach}). Called on
 * the writing thread, inside the write transaction, whenever a key's lease changes or a leased key is deleted.
 */
public interface LeaseAttacher {
    LeaseAttacher NONE = new LeaseAttacher() {
        @Override
        public void attach(long lease, ByteString key) {
        }

        @Override
        public void detach(long lease, ByteString key) {
        }
    };

    void attach(long lease, ByteString key);

    void detach(long lease, ByteString key);
}
