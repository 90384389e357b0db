package dev.hawser.kvstore.storage;

/**
 * A RocksDB operation failed. Unchecked on purpose: callers cannot recover from a broken local store except by
 * stopping the node and rebuilding state from the Raft log or a snapshot, as etcd does when bbolt fails.
 */
public final class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
