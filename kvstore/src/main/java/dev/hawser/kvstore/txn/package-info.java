/**
 * Evaluates etcd's KV requests (Range, Put, DeleteRange, Txn) against MVCC views.
 * The same code serves reads on the gRPC thread and writes on the Raft apply thread,
 * so a request gives the same answer on every member.
 */
package dev.hawser.kvstore.txn;
