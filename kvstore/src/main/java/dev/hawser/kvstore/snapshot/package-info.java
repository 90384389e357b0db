/**
 * Backups for disaster recovery: the snapshot file format (a RocksDB checkpoint in one
 * file, checked by a trailing SHA-256 as etcd's snapshots are), its status, and restoring
 * a new cluster's data directories from it.
 */
package dev.hawser.kvstore.snapshot;
