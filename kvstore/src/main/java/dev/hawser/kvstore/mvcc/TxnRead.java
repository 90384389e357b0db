package dev.hawser.kvstore.mvcc;

/** A read-only view at one revision. Close it to release the storage snapshot it holds. */
public interface TxnRead extends ReadView, AutoCloseable {
    @Override
    void close();
}
