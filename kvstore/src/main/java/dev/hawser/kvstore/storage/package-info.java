/**
 * RocksDB and nothing else: the column-family registry ({@link dev.hawser.kvstore.storage.Cf}), the META key
 * registry ({@link dev.hawser.kvstore.storage.MetaKeys}), write batches, snapshots, checkpoints and size
 * reporting ({@link dev.hawser.kvstore.storage.Backend}).
 *
 * <p>This package knows no etcd concepts (revisions, leases, users) and imports nothing else from Hawser; the
 * packages above it ({@code mvcc}, {@code lease}, {@code auth}, {@code raft}) choose what their bytes mean.
 * Every RocksDB failure surfaces as the unchecked {@link dev.hawser.kvstore.storage.StorageException}: the
 * Raft log is the durable record, so a node whose local store fails stops and recovers from it.
 */
package dev.hawser.kvstore.storage;
