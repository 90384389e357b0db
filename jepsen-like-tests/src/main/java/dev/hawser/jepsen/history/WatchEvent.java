package dev.hawser.jepsen.history;

/** One watch event as a client saw it: revision, key, PUT/DELETE, and the value of a PUT. */
public record WatchEvent(long revision, String key, boolean delete, String value) {
    @Override
    public String toString() {
        return revision + " " + (delete ? "DELETE " + key : "PUT " + key + "=" + value);
    }
}
