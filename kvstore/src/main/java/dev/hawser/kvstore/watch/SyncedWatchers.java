package dev.hawser.kvstore.watch;

import com.google.protobuf.ByteString;
import dev.hawser.proto.mvccpb.Event;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The synced watchers, indexed as etcd's watcherGroup indexes them: those of a single key under that key, the
 * rest (ranges, prefixes) in one list. A commit then looks at the watchers of the keys it changed and at the range
 * watchers, not at every watcher of the member. Not thread-safe: the hub guards it.
 *
 * <p>A commit goes through arrays that are copied again after a change, never changed in place, so a sink it calls
 * may cancel a watcher meanwhile.
 */
final class SyncedWatchers {
    private final Map<ByteString, Group> byKey = new HashMap<>();
    private final Group ranges = new Group();

    void add(Watcher w) {
        ByteString key = w.singleKey();
        (key == null ? ranges : byKey.computeIfAbsent(key, k -> new Group())).add(w);
    }

    void remove(Watcher w) {
        ByteString key = w.singleKey();
        if (key == null) {
            ranges.remove(w);
            return;
        }
        Group g = byKey.get(key);
        if (g != null) {
            g.remove(w);
            if (g.isEmpty()) {
                byKey.remove(key);
            }
        }
    }

    boolean contains(Watcher w) {
        ByteString key = w.singleKey();
        Group g = key == null ? ranges : byKey.get(key);
        return g != null && g.contains(w);
    }

    /** Empties the group and returns who was in it. */
    List<Watcher> removeAll() {
        List<Watcher> all = new ArrayList<>(ranges.watchers);
        byKey.values().forEach(g -> all.addAll(g.watchers));
        byKey.clear();
        ranges.clear();
        return all;
    }

    /**
     * The watchers that may want some of a revision's events, in groups; each watcher appears once. They still
     * have to be asked ({@link Watcher#wants}): a filter may drop the event, a range may miss it.
     */
    List<Watcher[]> candidates(List<Event> events) {
        List<Watcher[]> groups = new ArrayList<>(2);
        if (events.size() == 1) {
            addKey(groups, events.get(0).getKv().getKey());
        } else {
            Set<ByteString> keys = new HashSet<>();
            for (int i = 0; i < events.size(); i++) {
                ByteString key = events.get(i).getKv().getKey();
                if (keys.add(key)) {
                    addKey(groups, key);
                }
            }
        }
        if (!ranges.isEmpty()) {
            groups.add(ranges.view());
        }
        return groups;
    }

    private void addKey(List<Watcher[]> groups, ByteString key) {
        Group g = byKey.get(key);
        if (g != null) {
            groups.add(g.view());
        }
    }

    /** Watchers in the order they came, and an array copy of them that is made again only after they changed. */
    private static final class Group {
        private final Set<Watcher> watchers = new LinkedHashSet<>();
        private Watcher[] view;

        void add(Watcher w) {
            watchers.add(w);
            view = null;
        }

        void remove(Watcher w) {
            if (watchers.remove(w)) {
                view = null;
            }
        }

        boolean contains(Watcher w) {
            return watchers.contains(w);
        }

        boolean isEmpty() {
            return watchers.isEmpty();
        }

        void clear() {
            watchers.clear();
            view = null;
        }

        Watcher[] view() {
            if (view == null) {
                view = watchers.toArray(new Watcher[0]);
            }
            return view;
        }
    }
}
