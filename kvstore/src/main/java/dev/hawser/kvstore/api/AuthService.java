package dev.hawser.kvstore.api;

import dev.hawser.kvstore.auth.AuthStore;
import dev.hawser.kvstore.auth.Authorizer;
import dev.hawser.kvstore.auth.Passwords;
import dev.hawser.kvstore.auth.TokenProvider;
import dev.hawser.kvstore.errors.ApplyErrors;
import dev.hawser.kvstore.errors.EtcdError;
import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.kvstore.raft.RaftNode;
import dev.hawser.proto.authpb.User;
import dev.hawser.proto.etcdserverpb.AuthDisableRequest;
import dev.hawser.proto.etcdserverpb.AuthDisableResponse;
import dev.hawser.proto.etcdserverpb.AuthEnableRequest;
import dev.hawser.proto.etcdserverpb.AuthEnableResponse;
import dev.hawser.proto.etcdserverpb.AuthGrpc;
import dev.hawser.proto.etcdserverpb.AuthRoleAddRequest;
import dev.hawser.proto.etcdserverpb.AuthRoleAddResponse;
import dev.hawser.proto.etcdserverpb.AuthRoleDeleteRequest;
import dev.hawser.proto.etcdserverpb.AuthRoleDeleteResponse;
import dev.hawser.proto.etcdserverpb.AuthRoleGetRequest;
import dev.hawser.proto.etcdserverpb.AuthRoleGetResponse;
import dev.hawser.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.hawser.proto.etcdserverpb.AuthRoleGrantPermissionResponse;
import dev.hawser.proto.etcdserverpb.AuthRoleListRequest;
import dev.hawser.proto.etcdserverpb.AuthRoleListResponse;
import dev.hawser.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import dev.hawser.proto.etcdserverpb.AuthRoleRevokePermissionResponse;
import dev.hawser.proto.etcdserverpb.AuthStatusRequest;
import dev.hawser.proto.etcdserverpb.AuthStatusResponse;
import dev.hawser.proto.etcdserverpb.AuthUserAddRequest;
import dev.hawser.proto.etcdserverpb.AuthUserAddResponse;
import dev.hawser.proto.etcdserverpb.AuthUserChangePasswordRequest;
import dev.hawser.proto.etcdserverpb.AuthUserChangePasswordResponse;
import dev.hawser.proto.etcdserverpb.AuthUserDeleteRequest;
import dev.hawser.proto.etcdserverpb.AuthUserDeleteResponse;
import dev.hawser.proto.etcdserverpb.AuthUserGetRequest;
import dev.hawser.proto.etcdserverpb.AuthUserGetResponse;
import dev.hawser.proto.etcdserverpb.AuthUserGrantRoleRequest;
import dev.hawser.proto.etcdserverpb.AuthUserGrantRoleResponse;
import dev.hawser.proto.etcdserverpb.AuthUserListRequest;
import dev.hawser.proto.etcdserverpb.AuthUserListResponse;
import dev.hawser.proto.etcdserverpb.AuthUserRevokeRoleRequest;
import dev.hawser.proto.etcdserverpb.AuthUserRevokeRoleResponse;
import dev.hawser.proto.etcdserverpb.AuthenticateRequest;
import dev.hawser.proto.etcdserverpb.AuthenticateResponse;
import dev.hawser.proto.etcdserverpb.ResponseHeader;
import dev.hawser.proto.raft.Caller;
import dev.hawser.proto.raft.RaftRequest;
import io.grpc.stub.StreamObserver;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * etcd's Auth service. Changes are replicated (passwords hashed first, on this member); questions are answered from
 * this member's copy after a ReadIndex barrier, so they see every change acknowledged before them.
 */
public final class AuthService extends AuthGrpc.AuthImplBase {
    private static final int BCRYPT_MAX_PASSWORD_BYTES = 72;

    private final RaftNode raft;
    private final Headers headers;
    private final Executor executor;
    private final Passwords passwords;
    private final Authorizer authorizer;
    private final AuthStore store;
    private final TokenProvider tokens;

    public AuthService(RaftNode raft, Headers headers, Executor executor, Passwords passwords, Authorizer authorizer) {
        this.raft = raft;
        this.headers = headers;
        this.executor = executor;
        this.passwords = passwords;
        this.authorizer = authorizer;
        this.store = raft.stateMachine().auth();
        this.tokens = raft.stateMachine().tokens();
    }

    @Override
    public void authEnable(AuthEnableRequest r, StreamObserver<AuthEnableResponse> out) {
        change(RaftRequest.newBuilder().setAuthEnable(r), out, h -> AuthEnableResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void authDisable(AuthDisableRequest r, StreamObserver<AuthDisableResponse> out) {
        change(RaftRequest.newBuilder().setAuthDisable(r), out, h -> AuthDisableResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void authStatus(AuthStatusRequest r, StreamObserver<AuthStatusResponse> out) {
        ask(() -> {
            AuthStore.State s = store.state();
            return AuthStatusResponse.newBuilder().setHeader(header()).setEnabled(s.enabled())
                    .setAuthRevision(s.revision()).build();
        }, out);
    }

    @Override
    public void authenticate(AuthenticateRequest r, StreamObserver<AuthenticateResponse> out) {
        // bcrypt takes tens of milliseconds by design: off the transport's threads.
        CompletableFuture.supplyAsync(() -> {
            AuthStore.State s = store.state();
            if (!s.enabled()) {
                throw new CompletionException(EtcdError.AUTH_NOT_ENABLED.exception());
            }
            User u = s.users().get(r.getName());
            if (u == null || u.getOptions().getNoPassword()
                    || !Passwords.matches(u.getPassword().toStringUtf8(), r.getPassword())) {
                throw new CompletionException(EtcdError.AUTH_FAILED.exception());
            }
            return tokens.issue(r.getName(), s.revision());
        }, executor).thenCompose(issued -> issued.replicate() == null
                ? CompletableFuture.completedFuture(issued.token())
                : raft.propose(RaftRequest.newBuilder().setSimpleToken(issued.replicate()).build()).thenApply(resp -> {
                    if (resp.hasError()) {
                        throw new CompletionException(ApplyErrors.toException(resp.getError()));
                    }
                    return issued.token();
                })
        ).whenComplete((token, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, err);
            } else {
                out.onNext(AuthenticateResponse.newBuilder().setHeader(header()).setToken(token).build());
                out.onCompleted();
            }
        });
    }

    @Override
    public void userAdd(AuthUserAddRequest r, StreamObserver<AuthUserAddResponse> out) {
        if (r.getName().isEmpty()) {
            // Also refused when applied; checked here first so that no password is hashed for nothing.
            GrpcErrors.fail(out, EtcdError.USER_EMPTY.exception());
            return;
        }
        boolean noPassword = r.hasOptions() && r.getOptions().getNoPassword();
        hashed(r.getPassword(), r.getHashedPassword(), noPassword, out, hash -> RaftRequest.newBuilder()
                        .setUserAdd(r.toBuilder().clearPassword().setHashedPassword(hash)),
                h -> AuthUserAddResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void userChangePassword(AuthUserChangePasswordRequest r, StreamObserver<AuthUserChangePasswordResponse> out) {
        hashed(r.getPassword(), r.getHashedPassword(), false, out, hash -> RaftRequest.newBuilder()
                        .setUserChangePassword(r.toBuilder().clearPassword().setHashedPassword(hash)),
                h -> AuthUserChangePasswordResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void userGet(AuthUserGetRequest r, StreamObserver<AuthUserGetResponse> out) {
        String caller = Callers.user();
        ask(() -> {
            authorizer.checkUserGet(caller, r.getName());
            User u = store.state().users().get(r.getName());
            if (u == null) {
                throw EtcdError.USER_NOT_FOUND.exception();
            }
            return AuthUserGetResponse.newBuilder().setHeader(header()).addAllRoles(u.getRolesList()).build();
        }, out);
    }

    @Override
    public void userList(AuthUserListRequest r, StreamObserver<AuthUserListResponse> out) {
        ask(() -> AuthUserListResponse.newBuilder().setHeader(header()).addAllUsers(store.state().users().keySet()).build(), out);
    }

    @Override
    public void userDelete(AuthUserDeleteRequest r, StreamObserver<AuthUserDeleteResponse> out) {
        change(RaftRequest.newBuilder().setUserDelete(r), out, h -> AuthUserDeleteResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void userGrantRole(AuthUserGrantRoleRequest r, StreamObserver<AuthUserGrantRoleResponse> out) {
        change(RaftRequest.newBuilder().setUserGrantRole(r), out, h -> AuthUserGrantRoleResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void userRevokeRole(AuthUserRevokeRoleRequest r, StreamObserver<AuthUserRevokeRoleResponse> out) {
        change(RaftRequest.newBuilder().setUserRevokeRole(r), out, h -> AuthUserRevokeRoleResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void roleAdd(AuthRoleAddRequest r, StreamObserver<AuthRoleAddResponse> out) {
        change(RaftRequest.newBuilder().setRoleAdd(r), out, h -> AuthRoleAddResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void roleGet(AuthRoleGetRequest r, StreamObserver<AuthRoleGetResponse> out) {
        String caller = Callers.user();
        ask(() -> {
            authorizer.checkRoleGet(caller, r.getRole());
            var role = store.state().roles().get(r.getRole());
            if (role == null) {
                throw EtcdError.ROLE_NOT_FOUND.exception();
            }
            return AuthRoleGetResponse.newBuilder().setHeader(header()).addAllPerm(role.getKeyPermissionList()).build();
        }, out);
    }

    @Override
    public void roleList(AuthRoleListRequest r, StreamObserver<AuthRoleListResponse> out) {
        ask(() -> AuthRoleListResponse.newBuilder().setHeader(header()).addAllRoles(store.state().roles().keySet()).build(), out);
    }

    @Override
    public void roleDelete(AuthRoleDeleteRequest r, StreamObserver<AuthRoleDeleteResponse> out) {
        change(RaftRequest.newBuilder().setRoleDelete(r), out, h -> AuthRoleDeleteResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void roleGrantPermission(AuthRoleGrantPermissionRequest r, StreamObserver<AuthRoleGrantPermissionResponse> out) {
        change(RaftRequest.newBuilder().setRoleGrantPermission(r), out,
                h -> AuthRoleGrantPermissionResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void roleRevokePermission(AuthRoleRevokePermissionRequest r, StreamObserver<AuthRoleRevokePermissionResponse> out) {
        change(RaftRequest.newBuilder().setRoleRevokePermission(r), out,
                h -> AuthRoleRevokePermissionResponse.newBuilder().setHeader(h).build());
    }

    /** Hashes the password (unless the client sent a bcrypt hash, or the user has none), then replicates. */
    private <T> void hashed(String password, String clientHash, boolean noPassword, StreamObserver<T> out,
                            Function<String, RaftRequest.Builder> request, Function<ResponseHeader, T> answer) {
        if (!clientHash.isEmpty() && !Passwords.isBcrypt(clientHash)) {
            GrpcErrors.fail(out, EtcdError.AUTH_FAILED.exception());
            return;
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > BCRYPT_MAX_PASSWORD_BYTES) {
            GrpcErrors.fail(out, EtcdError.PASSWORD_TOO_LONG.exception());
            return;
        }
        Caller caller = Callers.caller();
        CompletableFuture.supplyAsync(() -> noPassword ? "" : !clientHash.isEmpty() ? clientHash : passwords.hash(password), executor)
                .thenAccept(hash -> replicate(request.apply(hash).setCaller(caller), out, answer));
    }

    private <T> void change(RaftRequest.Builder req, StreamObserver<T> out, Function<ResponseHeader, T> answer) {
        replicate(req.setCaller(Callers.caller()), out, answer);
    }

    private <T> void replicate(RaftRequest.Builder req, StreamObserver<T> out, Function<ResponseHeader, T> answer) {
        Replicated.call(raft, req.build(), out, resp -> answer.apply(header()));
    }

    @FunctionalInterface
    private interface Question<T> {
        T answer() throws EtcdException;
    }

    private <T> void ask(Question<T> q, StreamObserver<T> out) {
        raft.readBarrier().thenApplyAsync(v -> {
            try {
                return q.answer();
            } catch (EtcdException e) {
                throw new CompletionException(e);
            }
        }, executor).whenComplete((resp, err) -> {
            if (err != null) {
                GrpcErrors.fail(out, err);
            } else {
                out.onNext(resp);
                out.onCompleted();
            }
        });
    }

    private ResponseHeader header() {
        return headers.of(raft.stateMachine().read(kv -> kv.rev()));
    }
}
