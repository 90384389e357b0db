package dev.hawser.kvstore.storage;

import java.nio.charset.StandardCharsets;

/**
 * The one registry of column families, after etcd's {@code schema/bucket.go}: no other file invents a column
 * family name. Names match etcd's bbolt bucket names so that tools and humans can map one layout onto the other.
 */
public enum Cf {
    /** MVCC records: revision → serialized {@code mvccpb.KeyValue}. */
    KEY("key"),
    /** Single-value bookkeeping such as the applied Raft index; key names live in {@link MetaKeys}. */
    META("meta"),
    LEASE("lease"),
    AUTH("auth"),
    MEMBERS("members"),
    ALARM("alarm");

    private final String columnFamilyName;

    Cf(String columnFamilyName) {
        this.columnFamilyName = columnFamilyName;
    }

    /** The name RocksDB stores this column family under. */
    public String columnFamilyName() {
        return columnFamilyName;
    }

    byte[] columnFamilyNameBytes() {
        return columnFamilyName.getBytes(StandardCharsets.US_ASCII);
    }
}
