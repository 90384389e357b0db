package dev.hawser.kvstore.api;

import dev.hawser.kvstore.errors.EtcdException;
import dev.hawser.proto.raft.Caller;
import io.grpc.Context;

/**
 * Who is calling, as {@link AuthInterceptor} worked it out for the current gRPC call: a user name ("" when the
 * client presented nothing), or the reason its credentials were refused. Read it on the call's own thread, before
 * going asynchronous.
 */
final class Callers {
    record Identity(String user, EtcdException refused) {
        static final Identity NOBODY = new Identity("", null);
    }

    static final Context.Key<Identity> KEY = Context.key("hawser-caller");

    private Callers() {
    }

    static Identity current() {
        Identity id = KEY.get();
        return id == null ? Identity.NOBODY : id;
    }

    static String user() {
        return current().user();
    }

    @FunctionalInterface
    interface Check {
        void run() throws EtcdException;
    }

    /** Runs an access check; when it refuses, answers the call with etcd's error and returns false. */
    static boolean permitted(io.grpc.stub.StreamObserver<?> out, Check check) {
        try {
            check.run();
            return true;
        } catch (EtcdException e) {
            GrpcErrors.fail(out, e);
            return false;
        }
    }

    /** The caller as it travels in a replicated request, to be checked when the request is applied. */
    static Caller caller() {
        return Caller.newBuilder().setUser(user()).build();
    }
}
