package dev.hawser.jepsen.history;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything one watcher saw, split into segments: one per (re)connection, each with the
 * start revision it asked for. A resumed segment starts at the last seen revision + 1.
 */
public final class WatchLog {
    public record Segment(long startRevision, List<WatchEvent> events) {
    }

    private final String watcher;
    private final List<Segment> segments = new ArrayList<>();

    public WatchLog(String watcher) {
        this.watcher = watcher;
    }

    public String watcher() {
        return watcher;
    }

    public synchronized void startSegment(long startRevision) {
        segments.add(new Segment(startRevision, new ArrayList<>()));
    }

    public synchronized void add(WatchEvent e) {
        segments.get(segments.size() - 1).events().add(e);
    }

    public synchronized long lastRevision() {
        for (int i = segments.size() - 1; i >= 0; i--) {
            List<WatchEvent> ev = segments.get(i).events();
            if (!ev.isEmpty()) {
                return ev.get(ev.size() - 1).revision();
            }
        }
        return 0;
    }

    public synchronized int eventCount() {
        return segments.stream().mapToInt(s -> s.events().size()).sum();
    }

    public synchronized List<Segment> segments() {
        List<Segment> out = new ArrayList<>();
        segments.forEach(s -> out.add(new Segment(s.startRevision(), List.copyOf(s.events()))));
        return out;
    }
}
