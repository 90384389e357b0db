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
    private final Set<Watcher> members = new HashSet<>();
    private final Map<ByteString, Group> byKey = new HashMap<>();
    private final Group ranges = new Group();

    boolean add(Watcher w) {
        if (!members.add(w)) {
            return false;
        }
        ByteString key = w.singleKey();
        (key == null ? ranges : byKey.computeIfAbsent(key, k -> new Group())).add(w);
        return true;
    }

    boolean remove(Watcher w) {
        if (!members.remove(w)) {
            return false;
        }
        ByteString key = w.singleKey();
        if (key == null) {
            ranges.remove(w);
        } else {
            Group g = byKey.get(key);
            g.remove(w);
            if (g.isEmpty()) {
                byKey.remove(key);
            }
        }
        return true;
    }

    boolean contains(Watcher w) {
        return members.contains(w);
    }

    /** Empties the group and returns who was in it. */
    List<Watcher> removeAll() {
        List<Watcher> all = new ArrayList<>(members);
        members.clear();
        byKey.clear();
        all.forEach(ranges::remove);
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

        boolean isEmpty() {
            return watchers.isEmpty();
        }

        Watcher[] view() {
            if (view == null) {
                view = watchers.toArray(new Watcher[0]);
            }
            return view;
        }
    }
}
