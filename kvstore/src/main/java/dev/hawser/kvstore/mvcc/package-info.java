/**
 * etcd's multi-version key/value store on RocksDB: revisions, the in-memory key index, read and write
 * transactions, compaction and hashing, with etcd's semantics byte for byte.
 *
 * <p>The contract is {@link dev.hawser.kvstore.mvcc.KV} and the small types beside it; {@code raft}, {@code api}
 * and {@code watch} program against it, never against {@link dev.hawser.kvstore.mvcc.KvStore}. This package
 * imports only {@code storage} and the generated {@code mvccpb} messages. Calls that must go upward (commit
 * notifications for watchers, lease attachment) go through {@link dev.hawser.kvstore.mvcc.CommitListener} and
 * {@link dev.hawser.kvstore.mvcc.LeaseAttacher}, which the composition root binds.
 */
package dev.hawser.kvstore.mvcc;
