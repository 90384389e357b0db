package dev.hawser.bench.load;

import io.grpc.stub.StreamObserver;

/** How an {@link Operation} reports that its request finished: {@code null} for success, else the failure. */
@FunctionalInterface
public interface Completion {
    void complete(Throwable error);

    /** A unary-call observer that completes this once, ignoring the response. */
    default <T> StreamObserver<T> observer() {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
            }

            @Override
            public void onError(Throwable t) {
                complete(t);
            }

            @Override
            public void onCompleted() {
                complete(null);
            }
        };
    }
}
