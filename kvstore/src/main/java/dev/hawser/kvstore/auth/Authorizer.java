package dev.hawser.kvstore.auth;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.concurrency.Requests;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.proto.authpb.Permission;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.DeleteRangeRequest;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.raft.RaftRequest;

import java.util.List;
import java.util.function.LongFunction;

/**
 * The one place that decides whether a caller may do what a request asks, over every path that reaches keys: the
 * keys themselves, transaction compares and both branches at every nesting depth, prev_kv (a write that returns the
 * old value is also a read), and the keys already attached to a lease. These are exactly the paths where etcd had
 * authorization bypasses (nested txns, PrevKv, lease keys, from-key ranges). With auth disabled everything passes.
 */
public final class Authorizer {
    private final AuthStore store;
    private final LongFunction<List<ByteString>> leaseKeys;

    public Authorizer(AuthStore store, LongFunction<List<ByteString>> leaseKeys) {
        this.store = store;
        this.leaseKeys = leaseKeys;
    }

    public boolean enabled() {
        return store.enabled();
    }

    /** A replicated request, at apply time; requests the cluster makes itself carry no caller and pass. */
    public void checkApply(RaftRequest req) throws EtcdException {
        AuthStore.State s = store.state();
        if (!s.enabled() || !req.hasCaller()) {
            return;
        }
        String user = req.getCaller().getUser();
        switch (req.getRequestCase()) {
            case PUT -> checkPut(s, user, req.getPut());
            case DELETE_RANGE -> checkDelete(s, user, req.getDeleteRange());
            case TXN -> checkTxn(s, user, req.getTxn());
            case LEASE_GRANT -> requireUser(user);
            case LEASE_REVOKE -> checkLeaseKeys(s, user, req.getLeaseRevoke().getID(), Permission.Type.WRITE);
            case ALARM -> {
                if (req.getAlarm().getAction() == dev.hawser.proto.etcdserverpb.AlarmRequest.AlarmAction.GET) {
                    requireUser(user);
                } else {
                    checkAdmin(s, user);
                }
            }
            case COMPACTION, AUTH_ENABLE, AUTH_DISABLE, USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD,
                 USER_GRANT_ROLE, USER_REVOKE_ROLE, ROLE_ADD, ROLE_DELETE, ROLE_GRANT_PERMISSION,
                 ROLE_REVOKE_PERMISSION -> checkAdmin(s, user);
            default -> {
                // Cluster-internal requests (no-ops, member attributes, tokens) never come from clients.
            }
        }
    }

    public void checkRange(String user, RangeRequest r) throws EtcdException {
        AuthStore.State s = store.state();
        if (s.enabled()) {
            check(s, user, Permission.Type.READ, r.getKey(), r.getRangeEnd());
        }
    }

    public void checkTxn(String user, TxnRequest t) throws EtcdException {
        AuthStore.State s = store.state();
        if (s.enabled()) {
            checkTxn(s, user, t);
        }
    }

    /** Watching a range reads it. */
    public void checkWatch(String user, ByteString key, ByteString rangeEnd) throws EtcdException {
        AuthStore.State s = store.state();
        if (s.enabled()) {
            check(s, user, Permission.Type.READ, key, rangeEnd);
        }
    }

    /**
     * A lock or an election called {@code name} lists, watches and (unless only observed) writes the keys under
     * {@code name + "/"}, as etcd's recipes do through the KV API with the caller's credentials.
     */
    public void checkRecipe(String user, ByteString name, boolean writes) throws EtcdException {
        AuthStore.State s = store.state();
        if (!s.enabled()) {
            return;
        }
        ByteString prefix = Requests.prefixOf(name);
        ByteString end = Requests.prefixEnd(prefix);
        check(s, user, Permission.Type.READ, prefix, end);
        if (writes) {
            check(s, user, Permission.Type.WRITE, prefix, end);
        }
    }

    /** Deleting one key a recipe created (unlock, resign) or rewriting it (proclaim). */
    public void checkKeyWrite(String user, ByteString key) throws EtcdException {
        AuthStore.State s = store.state();
        if (s.enabled()) {
            check(s, user, Permission.Type.WRITE, key, ByteString.EMPTY);
        }
    }

    /** Renewing a lease keeps its keys alive, so it needs write access to them (etcd's checkLeaseRenew). */
    public void checkLeaseRenew(String user, long lease) throws EtcdException {
        AuthStore.State s = store.state();
        if (s.enabled()) {
            checkLeaseKeys(s, user, lease, Permission.Type.WRITE);
        }
    }

    /** A lease's remaining TTL and key list reveal its keys' names: read access to all of them (CVE-2023-32082). */
    public void checkLeaseRead(String user, long lease) throws EtcdException {
        AuthStore.State s = store.state();
        if (s.enabled()) {
            checkLeaseKeys(s, user, lease, Permission.Type.READ);
        }
    }

    /** Any authenticated user: lease grants, status, member and alarm listings. */
    public void checkAuthenticated(String user) throws EtcdException {
        if (store.enabled()) {
            requireUser(user);
        }
    }

    /** Cluster administration: the root role. */
    public void checkAdmin(String user) throws EtcdException {
        AuthStore.State s = store.state();
        if (s.enabled()) {
            checkAdmin(s, user);
        }
    }

    /** Admins may read any user; others only themselves (etcd's UserGet). */
    public void checkUserGet(String user, String target) throws EtcdException {
        AuthStore.State s = store.state();
        if (s.enabled() && !user.equals(target)) {
            checkAdmin(s, user);
        }
    }

    /** Admins may read any role; others only roles they hold (etcd's RoleGet). */
    public void checkRoleGet(String user, String role) throws EtcdException {
        AuthStore.State s = store.state();
        if (!s.enabled()) {
            return;
        }
        requireUser(user);
        dev.hawser.proto.authpb.User u = s.users().get(user);
        if (u == null || !u.getRolesList().contains(role)) {
            checkAdmin(s, user);
        }
    }

    private void checkPut(AuthStore.State s, String user, PutRequest p) throws EtcdException {
        check(s, user, Permission.Type.WRITE, p.getKey(), ByteString.EMPTY);
        if (p.getLease() != 0) {
            // Attaching to a lease whose keys the caller could not write would let it revoke them later.
            checkLeaseKeys(s, user, p.getLease(), Permission.Type.WRITE);
        }
        if (p.getPrevKv()) {
            check(s, user, Permission.Type.READ, p.getKey(), ByteString.EMPTY);
        }
    }

    private void checkDelete(AuthStore.State s, String user, DeleteRangeRequest d) throws EtcdException {
        check(s, user, Permission.Type.WRITE, d.getKey(), d.getRangeEnd());
        if (d.getPrevKv()) {
            check(s, user, Permission.Type.READ, d.getKey(), d.getRangeEnd());
        }
    }

    /** Every compare and every op of both branches, whichever branch would run. */
    private void checkTxn(AuthStore.State s, String user, TxnRequest t) throws EtcdException {
        for (Compare c : t.getCompareList()) {
            check(s, user, Permission.Type.READ, c.getKey(), c.getRangeEnd());
        }
        checkOps(s, user, t.getSuccessList());
        checkOps(s, user, t.getFailureList());
    }

    private void checkOps(AuthStore.State s, String user, List<RequestOp> ops) throws EtcdException {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> check(s, user, Permission.Type.READ, op.getRequestRange().getKey(),
                        op.getRequestRange().getRangeEnd());
                case REQUEST_PUT -> checkPut(s, user, op.getRequestPut());
                case REQUEST_DELETE_RANGE -> checkDelete(s, user, op.getRequestDeleteRange());
                case REQUEST_TXN -> checkTxn(s, user, op.getRequestTxn());
                default -> {
                }
            }
        }
    }

    private void checkLeaseKeys(AuthStore.State s, String user, long lease, Permission.Type type) throws EtcdException {
        requireUser(user);
        if (s.isRoot(user)) {
            return;
        }
        for (ByteString key : leaseKeys.apply(lease)) {
            check(s, user, type, key, ByteString.EMPTY);
        }
    }

    private static void check(AuthStore.State s, String user, Permission.Type type, ByteString key, ByteString end)
            throws EtcdException {
        requireUser(user);
        if (!s.permits(user, type, key, end)) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    private static void checkAdmin(AuthStore.State s, String user) throws EtcdException {
        requireUser(user);
        if (!s.isRoot(user)) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    private static void requireUser(String user) throws EtcdException {
        if (user == null || user.isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
    }
}
