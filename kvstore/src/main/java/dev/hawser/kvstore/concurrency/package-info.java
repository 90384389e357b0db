/**
 * Server-side versions of etcd's client recipes ({@code clientv3/concurrency}) behind the
 * v3lock and v3election services: {@link dev.hawser.kvstore.concurrency.Mutex} and
 * {@link dev.hawser.kvstore.concurrency.Election}, built on the member's own KV through
 * {@link dev.hawser.kvstore.concurrency.KvClient}. Decisions rest on Raft proposals or on
 * ReadIndex-fenced reads; waiting for a key to go away uses an internal watcher on the
 * member's {@code WatchHub}, never polling and never a blocked thread.
 *
 * <p>Imports {@code raft}, {@code watch}, {@code txn}, {@code mvcc}, {@code errors} and the
 * generated messages; only {@code api} imports this package.
 */
package dev.hawser.kvstore.concurrency;
