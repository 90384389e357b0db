package dev.hawser.kvstore.errors;

import io.grpc.Status;

/**
 * Every error a client can see, with etcd's gRPC code and exact text. Clients
 * (etcdctl, jetcd, client-go) match on the text, so it is copied byte for byte
 * and lives in this one table.
 */
public enum EtcdError {
    EMPTY_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
    KEY_NOT_FOUND(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found"),
    VALUE_PROVIDED(Status.Code.INVALID_ARGUMENT, "etcdserver: value is provided"),
    LEASE_PROVIDED(Status.Code.INVALID_ARGUMENT, "etcdserver: lease is provided"),
    TOO_MANY_OPS(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
    DUPLICATE_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
    INVALID_SORT_OPTION(Status.Code.INVALID_ARGUMENT, "etcdserver: invalid sort option"),
    REQUEST_TOO_LARGE(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large"),
    COMPACTED(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
    FUTURE_REV(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
    NO_SPACE(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
    TOO_MANY_REQUESTS(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests"),
    LEASE_NOT_FOUND(Status.Code.NOT_FOUND, "etcdserver: requested lease not found"),
    LEASE_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists"),
    LEASE_TTL_TOO_LARGE(Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL"),
    MEMBER_NOT_FOUND(Status.Code.NOT_FOUND, "etcdserver: member not found"),
    MEMBER_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: member ID already exist"),
    PEER_URL_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"),
    LEARNER_UNSUPPORTED(Status.Code.FAILED_PRECONDITION, "hawser: learner members are not supported yet; add the member as a voter"),
    MEMBER_NOT_LEARNER(Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"),
    NOT_LEADER(Status.Code.FAILED_PRECONDITION, "etcdserver: not leader"),
    NO_LEADER(Status.Code.UNAVAILABLE, "etcdserver: no leader"),
    LEADER_CHANGED(Status.Code.UNAVAILABLE, "etcdserver: leader changed"),
    TIMEOUT(Status.Code.UNAVAILABLE, "etcdserver: request timed out"),
    TIMEOUT_DUE_TO_LEADER_FAIL(Status.Code.UNAVAILABLE, "etcdserver: request timed out, possibly due to previous leader failure"),
    STOPPED(Status.Code.UNAVAILABLE, "etcdserver: server stopped"),
    PERMISSION_DENIED(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied"),
    ROOT_USER_NOT_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not exist"),
    ROOT_ROLE_NOT_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not have root role"),
    USER_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: user name already exists"),
    USER_EMPTY(Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty"),
    USER_NOT_FOUND(Status.Code.FAILED_PRECONDITION, "etcdserver: user name not found"),
    ROLE_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: role name already exists"),
    ROLE_NOT_FOUND(Status.Code.FAILED_PRECONDITION, "etcdserver: role name not found"),
    ROLE_EMPTY(Status.Code.INVALID_ARGUMENT, "etcdserver: role name is empty"),
    AUTH_FAILED(Status.Code.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password"),
    PERMISSION_NOT_GIVEN(Status.Code.INVALID_ARGUMENT, "etcdserver: permission not given"),
    ROLE_NOT_GRANTED(Status.Code.FAILED_PRECONDITION, "etcdserver: role is not granted to the user"),
    PERMISSION_NOT_GRANTED(Status.Code.FAILED_PRECONDITION, "etcdserver: permission is not granted to the role"),
    AUTH_NOT_ENABLED(Status.Code.FAILED_PRECONDITION, "etcdserver: authentication is not enabled"),
    PASSWORD_TOO_LONG(Status.Code.INVALID_ARGUMENT, "hawser: password is longer than bcrypt's 72 bytes"),
    INVALID_AUTH_MGMT(Status.Code.INVALID_ARGUMENT, "etcdserver: invalid auth management"),
    INVALID_AUTH_TOKEN(Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token"),
    NOT_CAPABLE(Status.Code.UNIMPLEMENTED, "etcdserver: not capable");

    private final Status.Code code;
    private final String message;

    EtcdError(Status.Code code, String message) {
        this.code = code;
        this.message = message;
    }

    public Status.Code code() {
        return code;
    }

    public String message() {
        return message;
    }

    public EtcdException exception() {
        return new EtcdException(this);
    }

    /** Finds the table entry for a code and text that crossed the Raft log. */
    public static EtcdError of(int code, String message) {
        for (EtcdError e : values()) {
            if (e.code.value() == code && e.message.equals(message)) {
                return e;
            }
        }
        return null;
    }
}
