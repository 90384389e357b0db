package dev.hawser.kvstore.txn;

/** What a Put needs to know about leases: whether the one it names exists. */
@FunctionalInterface
public interface LeaseLookup {
    boolean exists(long leaseId);

    /** Until leases are granted, every lease is unknown, as on a fresh etcd. */
    LeaseLookup NONE = id -> false;
}
