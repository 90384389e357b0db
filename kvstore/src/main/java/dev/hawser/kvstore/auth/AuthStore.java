package dev.hawser.kvstore.auth;

import com.google.protobuf.ByteString;
import dev.hawser.kvstore.mvcc.KeyOrder;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.BatchTx;
import dev.hawser.kvstore.storage.Cf;
import dev.hawser.kvstore.storage.MetaKeys;
import dev.hawser.proto.authpb.Permission;
import dev.hawser.proto.authpb.Role;
import dev.hawser.proto.authpb.User;
import dev.hawser.proto.authpb.UserAddOptions;
import dev.hawser.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.hawser.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import dev.hawser.proto.etcdserverpb.AuthUserAddRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The cluster's users, roles and auth switch, kept in the AUTH column family and changed only by applying Raft
 * entries, so every member holds the same state at the same log index (etcd's auth store). Readers see an immutable
 * {@link State}; the apply thread, the only writer, publishes a new one after each change.
 */
public final class AuthStore {
    public static final String ROOT = "root";

    private static final byte[] ENABLED_KEY = "enabled".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REVISION_KEY = "revision".getBytes(StandardCharsets.US_ASCII);
    private static final String USER_PREFIX = "user/";
    private static final String ROLE_PREFIX = "role/";

    /** One consistent view of the auth state. */
    public record State(boolean enabled, long revision, Map<String, User> users, Map<String, Role> roles) {
        static final State EMPTY = new State(false, 0, Map.of(), Map.of());

        public boolean isRoot(String user) {
            User u = users.get(user);
            return u != null && u.getRolesList().contains(ROOT);
        }

        /** Whether {@code user} may do {@code type} on every key of [key, rangeEnd); root may do anything. */
        public boolean permits(String user, Permission.Type type, ByteString key, ByteString rangeEnd) {
            User u = users.get(user);
            if (u == null) {
                return false;
            }
            if (u.getRolesList().contains(ROOT)) {
                return true;
            }
            List<Permission> granted = new ArrayList<>();
            for (String r : u.getRolesList()) {
                Role role = roles.get(r);
                if (role != null) {
                    granted.addAll(role.getKeyPermissionList());
                }
            }
            return Permissions.covers(granted, type, key, rangeEnd);
        }
    }

    private volatile State state = State.EMPTY;
    /** Told when a user's credentials stop being valid, so that member-local token caches drop them. */
    private final List<Consumer<String>> credentialListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public State state() {
        return state;
    }

    public boolean enabled() {
        return state.enabled();
    }

    /** {@code listener} receives a user name when its password changes or it is deleted, and "" when auth is disabled. */
    public void onCredentialsRevoked(Consumer<String> listener) {
        credentialListeners.add(listener);
    }

    public void restore(Backend backend) {
        Map<String, User> users = new TreeMap<>();
        Map<String, Role> roles = new TreeMap<>();
        backend.scan(Cf.AUTH, null, null, (k, v) -> {
            String key = new String(k, StandardCharsets.UTF_8);
            try {
                if (key.startsWith(USER_PREFIX)) {
                    users.put(key.substring(USER_PREFIX.length()), User.parseFrom(v));
                } else if (key.startsWith(ROLE_PREFIX)) {
                    roles.put(key.substring(ROLE_PREFIX.length()), Role.parseFrom(v));
                }
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("corrupt auth record " + key, e);
            }
            return true;
        });
        byte[] enabled = backend.get(Cf.AUTH, ENABLED_KEY);
        byte[] revision = backend.get(Cf.AUTH, REVISION_KEY);
        state = new State(enabled != null && enabled.length == 1 && enabled[0] == 1,
                revision == null ? 0 : MetaKeys.decodeLong(revision), freeze(users), freeze(roles));
    }

    // ---- changes, on the apply thread ----

    public void enable(BatchTx batch) throws EtcdException {
        State s = state;
        if (s.enabled()) {
            return;
        }
        User root = s.users().get(ROOT);
        if (root == null) {
            throw EtcdError.ROOT_USER_NOT_EXIST.exception();
        }
        if (!root.getRolesList().contains(ROOT)) {
            throw EtcdError.ROOT_ROLE_NOT_EXIST.exception();
        }
        batch.put(Cf.AUTH, ENABLED_KEY, new byte[] {1});
        publish(batch, true, s.users(), s.roles());
    }

    public void disable(BatchTx batch) {
        State s = state;
        if (!s.enabled()) {
            return;
        }
        batch.put(Cf.AUTH, ENABLED_KEY, new byte[] {0});
        publish(batch, false, s.users(), s.roles());
        revoked("");
    }

    /** Adds a user whose password the proposing member already hashed. */
    public void addUser(BatchTx batch, AuthUserAddRequest r) throws EtcdException {
        if (r.getName().isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        State s = state;
        if (s.users().containsKey(r.getName())) {
            throw EtcdError.USER_EXISTS.exception();
        }
        boolean noPassword = r.hasOptions() && r.getOptions().getNoPassword();
        User.Builder u = User.newBuilder().setName(ByteString.copyFromUtf8(r.getName()))
                .setOptions(UserAddOptions.newBuilder().setNoPassword(noPassword));
        if (!noPassword) {
            u.setPassword(ByteString.copyFromUtf8(r.getHashedPassword()));
        }
        putUser(batch, s, u.build());
    }

    public void deleteUser(BatchTx batch, String name) throws EtcdException {
        State s = state;
        if (s.enabled() && ROOT.equals(name)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        if (!s.users().containsKey(name)) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        batch.delete(Cf.AUTH, key(USER_PREFIX, name));
        Map<String, User> users = new TreeMap<>(s.users());
        users.remove(name);
        publish(batch, s.enabled(), users, s.roles());
        revoked(name);
    }

    public void changePassword(BatchTx batch, String name, String hashedPassword) throws EtcdException {
        State s = state;
        User u = s.users().get(name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        putUser(batch, s, u.toBuilder().setPassword(ByteString.copyFromUtf8(hashedPassword))
                .setOptions(UserAddOptions.newBuilder().setNoPassword(false)).build());
        revoked(name);
    }

    public void grantRole(BatchTx batch, String name, String role) throws EtcdException {
        State s = state;
        User u = s.users().get(name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!s.roles().containsKey(role)) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        if (u.getRolesList().contains(role)) {
            return;
        }
        List<String> roles = new ArrayList<>(u.getRolesList());
        roles.add(role);
        Collections.sort(roles);
        putUser(batch, s, u.toBuilder().clearRoles().addAllRoles(roles).build());
    }

    public void revokeRole(BatchTx batch, String name, String role) throws EtcdException {
        State s = state;
        if (s.enabled() && ROOT.equals(name) && ROOT.equals(role)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        User u = s.users().get(name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!u.getRolesList().contains(role)) {
            throw EtcdError.ROLE_NOT_GRANTED.exception();
        }
        List<String> roles = new ArrayList<>(u.getRolesList());
        roles.remove(role);
        putUser(batch, s, u.toBuilder().clearRoles().addAllRoles(roles).build());
    }

    public void addRole(BatchTx batch, String name) throws EtcdException {
        if (name.isEmpty()) {
            throw EtcdError.ROLE_EMPTY.exception();
        }
        State s = state;
        if (s.roles().containsKey(name)) {
            throw EtcdError.ROLE_EXISTS.exception();
        }
        putRole(batch, s, Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build(), s.users());
    }

    /** Deletes a role and takes it from every user that had it, as etcd does. */
    public void deleteRole(BatchTx batch, String name) throws EtcdException {
        State s = state;
        if (s.enabled() && ROOT.equals(name)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        if (!s.roles().containsKey(name)) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        batch.delete(Cf.AUTH, key(ROLE_PREFIX, name));
        Map<String, Role> roles = new TreeMap<>(s.roles());
        roles.remove(name);
        Map<String, User> users = new TreeMap<>(s.users());
        for (User u : s.users().values()) {
            if (u.getRolesList().contains(name)) {
                List<String> kept = new ArrayList<>(u.getRolesList());
                kept.remove(name);
                User changed = u.toBuilder().clearRoles().addAllRoles(kept).build();
                batch.put(Cf.AUTH, key(USER_PREFIX, changed.getName().toStringUtf8()), changed.toByteArray());
                users.put(changed.getName().toStringUtf8(), changed);
            }
        }
        publish(batch, s.enabled(), users, roles);
    }

    /** Grants a permission; one on the same key and range end replaces the old one's type. */
    public void grantPermission(BatchTx batch, AuthRoleGrantPermissionRequest r) throws EtcdException {
        State s = state;
        Role role = s.roles().get(r.getName());
        if (role == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        if (!r.hasPerm()) {
            throw EtcdError.PERMISSION_NOT_GIVEN.exception();
        }
        List<Permission> perms = without(role, r.getPerm().getKey(), r.getPerm().getRangeEnd());
        perms.add(r.getPerm());
        perms.sort(Comparator.comparing(Permission::getKey, KeyOrder.UNSIGNED)
                .thenComparing(Permission::getRangeEnd, KeyOrder.UNSIGNED));
        putRole(batch, s, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build(), s.users());
    }

    public void revokePermission(BatchTx batch, AuthRoleRevokePermissionRequest r) throws EtcdException {
        State s = state;
        Role role = s.roles().get(r.getRole());
        if (role == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        List<Permission> perms = without(role, r.getKey(), r.getRangeEnd());
        if (perms.size() == role.getKeyPermissionCount()) {
            throw EtcdError.PERMISSION_NOT_GRANTED.exception();
        }
        putRole(batch, s, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build(), s.users());
    }

    /** The role's permissions except the one on exactly this key and range end (permissions are keyed by both). */
    private static List<Permission> without(Role role, ByteString key, ByteString rangeEnd) {
        List<Permission> kept = new ArrayList<>();
        for (Permission p : role.getKeyPermissionList()) {
            if (!(p.getKey().equals(key) && p.getRangeEnd().equals(rangeEnd))) {
                kept.add(p);
            }
        }
        return kept;
    }

    private void putUser(BatchTx batch, State s, User u) {
        String name = u.getName().toStringUtf8();
        batch.put(Cf.AUTH, key(USER_PREFIX, name), u.toByteArray());
        Map<String, User> users = new TreeMap<>(s.users());
        users.put(name, u);
        publish(batch, s.enabled(), users, s.roles());
    }

    private void putRole(BatchTx batch, State s, Role r, Map<String, User> users) {
        String name = r.getName().toStringUtf8();
        batch.put(Cf.AUTH, key(ROLE_PREFIX, name), r.toByteArray());
        Map<String, Role> roles = new TreeMap<>(s.roles());
        roles.put(name, r);
        publish(batch, s.enabled(), users, roles);
    }

    /** Every change bumps the auth revision (reported by AuthStatus), in the same batch as the change. */
    private void publish(BatchTx batch, boolean enabled, Map<String, User> users, Map<String, Role> roles) {
        long revision = state.revision() + 1;
        batch.put(Cf.AUTH, REVISION_KEY, MetaKeys.encodeLong(revision));
        state = new State(enabled, revision, freeze(users), freeze(roles));
    }

    private void revoked(String user) {
        for (Consumer<String> l : credentialListeners) {
            l.accept(user);
        }
    }

    private static <V> Map<String, V> freeze(Map<String, V> m) {
        return Collections.unmodifiableMap(new TreeMap<>(m));
    }

    private static byte[] key(String prefix, String name) {
        return (prefix + name).getBytes(StandardCharsets.UTF_8);
    }
}
