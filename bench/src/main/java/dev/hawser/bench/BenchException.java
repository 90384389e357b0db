package dev.hawser.bench;

/** A run that cannot go on, with a message fit for one line on stderr (dead endpoint, no leader, ...). */
public final class BenchException extends RuntimeException {
    public BenchException(String message) {
        super(message);
    }

    public BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
