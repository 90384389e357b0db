package dev.hawser.kvstore.api;

import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.auth.SimpleTokens;
import dev.hawser.kvstore.auth.TokenProvider;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.etcdserverpb.AuthGrpc;
import dev.hawser.proto.etcdserverpb.ClusterGrpc;
import dev.hawser.proto.etcdserverpb.LeaseGrpc;
import dev.hawser.proto.etcdserverpb.MaintenanceGrpc;
import dev.hawser.proto.etcdserverpb.WatchGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthGrpc;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Works out who is calling, from the {@code token} metadata etcd clients send or else, as etcd does with
 * {@code --client-cert-auth}, from the common name of the client's certificate; then applies the access each RPC
 * needs as a whole. Key-level checks (KV, Watch, leases, locks) are left to the services and to the apply step,
 * which see the request. This table is the one place that says which RPCs are administrative: etcd shipped several
 * as callable without authorization (CVE-2026-33413), a gap that a table makes visible.
 */
public final class AuthInterceptor implements ServerInterceptor {
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    enum Access {
        /** No identity needed or looked at. */
        OPEN,
        /** The service checks the keys the request names. */
        KEYS,
        /** Any user. */
        AUTHENTICATED,
        /** The root role. */
        ADMIN
    }

    private static final Map<String, Access> POLICY = new HashMap<>();

    static {
        open(AuthGrpc.getAuthenticateMethod());
        open(AuthGrpc.getAuthStatusMethod());
        open(HealthGrpc.getCheckMethod());
        open(HealthGrpc.getWatchMethod());
        authenticated(MaintenanceGrpc.getStatusMethod());
        authenticated(MaintenanceGrpc.getAlarmMethod());
        authenticated(ClusterGrpc.getMemberListMethod());
        authenticated(LeaseGrpc.getLeaseGrantMethod());
        authenticated(LeaseGrpc.getLeaseLeasesMethod());
        admin(MaintenanceGrpc.getSnapshotMethod());
        admin(MaintenanceGrpc.getHashMethod());
        admin(MaintenanceGrpc.getHashKVMethod());
        admin(MaintenanceGrpc.getDefragmentMethod());
        admin(MaintenanceGrpc.getMoveLeaderMethod());
        admin(MaintenanceGrpc.getDowngradeMethod());
        admin(ClusterGrpc.getMemberAddMethod());
        admin(ClusterGrpc.getMemberRemoveMethod());
        admin(ClusterGrpc.getMemberUpdateMethod());
        admin(ClusterGrpc.getMemberPromoteMethod());
        admin(AuthGrpc.getAuthDisableMethod());
        admin(AuthGrpc.getUserAddMethod());
        admin(AuthGrpc.getUserDeleteMethod());
        admin(AuthGrpc.getUserChangePasswordMethod());
        admin(AuthGrpc.getUserGrantRoleMethod());
        admin(AuthGrpc.getUserRevokeRoleMethod());
        admin(AuthGrpc.getUserListMethod());
        admin(AuthGrpc.getRoleAddMethod());
        admin(AuthGrpc.getRoleDeleteMethod());
        admin(AuthGrpc.getRoleGrantPermissionMethod());
        admin(AuthGrpc.getRoleRevokePermissionMethod());
        admin(AuthGrpc.getRoleListMethod());
        // AuthEnable is checked when applied: with auth off anyone may turn it on, as in etcd.
    }

    private static void open(MethodDescriptor<?, ?> m) {
        POLICY.put(m.getFullMethodName(), Access.OPEN);
    }

    private static void authenticated(MethodDescriptor<?, ?> m) {
        POLICY.put(m.getFullMethodName(), Access.AUTHENTICATED);
    }

    private static void admin(MethodDescriptor<?, ?> m) {
        POLICY.put(m.getFullMethodName(), Access.ADMIN);
    }

    private final Authorizer authorizer;
    private final TokenProvider tokens;
    private final RaftNode raft;
    private final long catchUpMs;

    /** @param catchUpMs how long a member may wait to learn of a simple token issued by another member */
    public AuthInterceptor(RaftNode raft, Authorizer authorizer, long catchUpMs) {
        this.raft = raft;
        this.tokens = raft.stateMachine().tokens();
        this.authorizer = authorizer;
        this.catchUpMs = catchUpMs;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Access access = POLICY.getOrDefault(method, Access.KEYS);
        if (access == Access.OPEN) {
            return next.startCall(call, headers);
        }
        Callers.Identity id;
        try {
            id = new Callers.Identity(identify(call, headers), null);
            switch (access) {
                case AUTHENTICATED -> authorizer.checkAuthenticated(id.user());
                case ADMIN -> authorizer.checkAdmin(id.user());
                default -> {
                }
            }
        } catch (EtcdException e) {
            if (method.equals(WatchGrpc.getWatchMethod().getFullMethodName())) {
                // etcd refuses each watch a stream creates, with the reason, rather than the stream.
                id = new Callers.Identity("", e);
            } else {
                call.close(GrpcErrors.of(e.error()).getStatus(), new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
        }
        return Contexts.interceptCall(Context.current().withValue(Callers.KEY, id), call, headers, next);
    }

    private String identify(ServerCall<?, ?> call, Metadata headers) throws EtcdException {
        if (!authorizer.enabled()) {
            return "";
        }
        String token = headers.get(TOKEN);
        if (token != null) {
            String user = tokens.verify(token);
            if (user == null && tokens instanceof SimpleTokens) {
                // The token may have been issued by another member an instant ago: catch up with the log once.
                user = afterCatchingUp(token);
            }
            if (user == null) {
                throw EtcdError.INVALID_AUTH_TOKEN.exception();
            }
            return user;
        }
        String cn = certificateCommonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        return cn == null ? "" : cn;
    }

    private String afterCatchingUp(String token) {
        try {
            raft.readBarrier().get(catchUpMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
        return tokens.verify(token);
    }

    /** The CN of a verified client certificate, or null (no TLS, no certificate, no CN). */
    static String certificateCommonName(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
                return null;
            }
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (SSLPeerUnverifiedException | InvalidNameException e) {
            return null;
        }
        return null;
    }
}
