package dev.hawser.kvstore.errors;

/** A request failed with one of etcd's well-known errors. Cheap: no stack trace. */
public final class EtcdException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient EtcdError error;

    public EtcdException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public EtcdError error() {
        return error;
    }
}
