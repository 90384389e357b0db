package dev.hawser.kvstore.lease;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.mvcc.KV;
import dev.hawser.kvstore.mvcc.KeyOrder;
import dev.hawser.kvstore.mvcc.LeaseAttacher;
import dev.hawser.kvstore.mvcc.TxnWrite;
import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.txn.LeaseLookup;
import dev.hawser.proto.etcdserverpb.LeaseTimeToLiveResponse;
import dev.hawser.proto.raft.LeaseRecord;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Leases, as etcd's lessor keeps them. Grants and revocations are replicated and applied
 * on every member; expiry is decided by the leader alone, which proposes the revocation
 * through Raft so every member deletes the attached keys at the same revision.
 *
 * <p>Keep-alives are not replicated. A new leader therefore restarts every lease's full
 * TTL (plus an election timeout), which can only make a lease live longer, never shorter.
 */
public final class Lessor implements LeaseAttacher, LeaseLookup {
    /** etcd's MaxLeaseTTL. */
    public static final long MAX_TTL_SECONDS = 9_000_000_000L;

    private final long minTtlSeconds;
    private final LongSupplier nanoClock;
    private final Map<Long, Lease> leases = new ConcurrentHashMap<>();
    private volatile boolean primary;

    public Lessor(long minTtlSeconds, LongSupplier nanoClock) {
        this.minTtlSeconds = minTtlSeconds;
        this.nanoClock = nanoClock;
    }

    /** etcd's minimum TTL: long enough to survive one election (1.5 election timeouts, rounded up). */
    public static long minTtlSeconds(long electionTimeoutMs) {
        return Math.max(1, (3 * electionTimeoutMs / 2 + 999) / 1000);
    }

    /** Loads leases and their keys after the store was opened or replaced by a snapshot. */
    public void restore(Backend backend, KV kv) {
        leases.clear();
        backend.scan(Cf.LEASE, new byte[0], null, (k, v) -> {
            try {
                LeaseRecord r = LeaseRecord.parseFrom(v);
                Lease l = new Lease(r.getId(), r.getTtl());
                if (primary) {
                    l.refresh(nanoClock.getAsLong(), 0);
                }
                leases.put(r.getId(), l);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("corrupt lease record", e);
            }
            return true;
        });
        kv.setLeaseAttacher(this); // reports every live key that has a lease
    }

    // ---- applied on every member, in log order ----

    /** Applies a grant; the TTL is raised to the minimum here so every member records the same value. */
    public long grant(BatchTx batch, long id, long ttlSeconds) throws EtcdException {
        if (leases.containsKey(id)) {
            throw EtcdError.LEASE_EXISTS.exception();
        }
        long ttl = Math.max(ttlSeconds, minTtlSeconds);
        Lease l = new Lease(id, ttl);
        if (primary) {
            l.refresh(nanoClock.getAsLong(), 0);
        }
        batch.put(Cf.LEASE, idKey(id), LeaseRecord.newBuilder().setId(id).setTtl(ttl).build().toByteArray());
        leases.put(id, l);
        return ttl;
    }

    /** Applies a revocation: every attached key is deleted in the caller's one write transaction. */
    public void revoke(TxnWrite w, BatchTx batch, long id) throws EtcdException {
        Lease l = leases.get(id);
        if (l == null) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        List<ByteString> keys = new ArrayList<>(l.keys);
        keys.sort(KeyOrder.UNSIGNED);
        for (ByteString key : keys) {
            w.deleteRange(key, ByteString.EMPTY);
        }
        batch.delete(Cf.LEASE, idKey(id));
        leases.remove(id);
    }

    @Override
    public void attach(long lease, ByteString key) {
        Lease l = leases.get(lease);
        if (l != null) {
            l.keys.add(key);
        }
    }

    @Override
    public void detach(long lease, ByteString key) {
        Lease l = leases.get(lease);
        if (l != null) {
            l.keys.remove(key);
        }
    }

    @Override
    public boolean exists(long leaseId) {
        return leases.containsKey(leaseId);
    }

    // ---- the leader's clock ----

    /** This member became leader: every lease gets its full TTL from now, plus {@code extendNanos}. */
    public void promote(long extendNanos) {
        long now = nanoClock.getAsLong();
        primary = true;
        for (Lease l : leases.values()) {
            l.refresh(now, extendNanos);
        }
    }

    public void demote() {
        primary = false;
        for (Lease l : leases.values()) {
            l.expiryNanos = Long.MAX_VALUE;
            l.revoking = false;
        }
    }

    public boolean isPrimary() {
        return primary;
    }

    /** Renews a lease; returns its TTL, or 0 when it is unknown (etcd answers TTL=0, not an error). */
    public long renew(long id) throws EtcdException {
        if (!primary) {
            // Not (or no longer, or not yet) the leader: a transient condition clients retry.
            throw EtcdError.LEADER_CHANGED.exception();
        }
        Lease l = leases.get(id);
        if (l == null || l.revoking || l.expiryNanos <= nanoClock.getAsLong()) {
            return 0;
        }
        l.refresh(nanoClock.getAsLong(), 0);
        return l.ttlSeconds;
    }

    public LeaseTimeToLiveResponse timeToLive(long id, boolean withKeys) {
        Lease l = leases.get(id);
        LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder().setID(id);
        if (l == null) {
            return b.setTTL(-1).build();
        }
        b.setTTL(primary ? l.remainingSeconds(nanoClock.getAsLong()) : l.ttlSeconds).setGrantedTTL(l.ttlSeconds);
        if (withKeys) {
            List<ByteString> keys = new ArrayList<>(l.keys);
            keys.sort(KeyOrder.UNSIGNED);
            b.addAllKeys(keys);
        }
        return b.build();
    }

    /** The keys attached to a lease (none for an unknown one), for permission checks. */
    public List<ByteString> keys(long id) {
        Lease l = leases.get(id);
        return l == null ? List.of() : List.copyOf(l.keys);
    }

    public List<Long> ids() {
        List<Long> ids = new ArrayList<>(leases.keySet());
        ids.sort(null);
        return ids;
    }

    /**
     * Leases past their deadline, at most {@code max}. Each is given a grace period before
     * it is reported again, so a revocation lost in an election is retried, not spammed.
     */
    public List<Long> takeExpired(int max, long retryNanos) {
        List<Long> out = new ArrayList<>();
        if (!primary) {
            return out;
        }
        long now = nanoClock.getAsLong();
        for (Lease l : leases.values()) {
            if (l.expiryNanos <= now) {
                l.revoking = true;
                l.expiryNanos = now + retryNanos;
                out.add(l.id);
                if (out.size() >= max) {
                    break;
                }
            }
        }
        return out;
    }

    static byte[] idKey(long id) {
        return ByteBuffer.allocate(Long.BYTES).putLong(id).array();
    }
}
