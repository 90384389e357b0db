package dev.hawser.orchestrator.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A local cache of one resource kind kept current by list + watch, like client-go's shared informer:
 * list, then watch from the list's resourceVersion; when a watch ends, re-watch from the last version
 * seen; when that version is too old (410 Gone, the store compacted it), list again and turn the
 * difference into add/update/delete notifications. Handlers run on the informer's own thread and
 * should only enqueue keys.
 */
public final class Informer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Informer.class);

    /** Notifications of changes to the cache; the cache already holds the new state when they run. */
    public interface Handler {
        default void onAdd(ObjectNode object) {
        }

        default void onUpdate(ObjectNode old, ObjectNode now) {
        }

        default void onDelete(ObjectNode last) {
        }

        /** A handler that hands every added, updated or deleted object (its new or last state) to {@code sink}. */
        static Handler onAnyChange(java.util.function.Consumer<ObjectNode> sink) {
            return new Handler() {
                @Override
                public void onAdd(ObjectNode o) {
                    sink.accept(o);
                }

                @Override
                public void onUpdate(ObjectNode old, ObjectNode now) {
                    sink.accept(now);
                }

                @Override
                public void onDelete(ObjectNode last) {
                    sink.accept(last);
                }
            };
        }

        /** A handler that queues the namespace/name key of every changed object. */
        static Handler enqueueing(WorkQueue queue) {
            return onAnyChange(o -> queue.add(key(o)));
        }
    }

    private final ApiClient api;
    private final ResourceType type;
    private final String namespace;
    private final String query;
    private final Duration resync;
    private final Map<String, ObjectNode> cache = new ConcurrentHashMap<>();
    private final List<Handler> handlers = new CopyOnWriteArrayList<>();
    private final CountDownLatch synced = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean closed;
    private volatile InputStream stream;
    private long lastResync = System.nanoTime();

    /** {@code query}: extra list/watch query text such as "fieldSelector=spec.nodeName%3Dn1". */
    public Informer(ApiClient api, ResourceType type, String namespace, String query, Duration resync) {
        this.api = api;
        this.type = type;
        this.namespace = namespace;
        this.query = query;
        this.resync = resync;
        this.thread = new Thread(this::run, "informer-" + type.plural());
        this.thread.setDaemon(true);
    }

    public Informer(ApiClient api, ResourceType type) {
        this(api, type, "", "", Duration.ofMinutes(5));
    }

    public ResourceType type() {
        return type;
    }

    public void addHandler(Handler h) {
        handlers.add(h);
    }

    public Informer start() {
        thread.start();
        return this;
    }

    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        return synced.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public static String key(JsonNode o) {
        String ns = Meta.namespace(o);
        return ns.isEmpty() ? Meta.name(o) : ns + "/" + Meta.name(o);
    }

    public Optional<ObjectNode> get(String key) {
        return Optional.ofNullable(cache.get(key));
    }

    public List<ObjectNode> list() {
        return new ArrayList<>(cache.values());
    }

    public List<ObjectNode> list(Predicate<ObjectNode> filter) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode o : cache.values()) {
            if (filter.test(o)) {
                out.add(o);
            }
        }
        return out;
    }

    private void run() {
        long backoff = 100;
        while (!closed) {
            try {
                String rv = relist();
                backoff = 100;
                watchFrom(rv);
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.debug("{} informer: {}; retrying in {} ms", type.plural(), e.getMessage(), backoff);
                sleep(backoff);
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    private String relist() {
        ObjectNode list = api.list(type, namespace, query);
        Set<String> seen = new HashSet<>();
        for (ObjectNode o : ApiClient.items(list)) {
            ensureKind(o);
            String k = key(o);
            seen.add(k);
            upsert(k, o);
        }
        for (String k : new ArrayList<>(cache.keySet())) {
            if (!seen.contains(k)) {
                ObjectNode gone = cache.remove(k);
                handlers.forEach(h -> h.onDelete(gone));
            }
        }
        synced.countDown();
        return list.path("metadata").path("resourceVersion").asText();
    }

    /** Watches until the stream ends (then re-watches) or the version is gone (then returns, to relist). */
    private void watchFrom(String resourceVersion) throws IOException {
        String rv = resourceVersion;
        while (!closed) {
            InputStream in = api.watch(type, namespace, rv, query);
            stream = in;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode event = Json.parse(line.getBytes(StandardCharsets.UTF_8));
                    String t = event.path("type").asText();
                    JsonNode obj = event.path("object");
                    if (t.equals("ERROR")) {
                        if (obj.path("code").asInt() == 410) {
                            LOG.info("{} informer: resourceVersion {} expired, relisting", type.plural(), rv);
                            return;
                        }
                        throw new IOException("watch error: " + obj.path("message").asText());
                    }
                    String objRv = Meta.resourceVersion(obj);
                    if (!objRv.isEmpty()) {
                        rv = objRv;
                    }
                    if (t.equals("BOOKMARK")) {
                        continue;
                    }
                    ObjectNode o = (ObjectNode) obj;
                    ensureKind(o);
                    String k = key(o);
                    if (t.equals("DELETED")) {
                        ObjectNode gone = cache.remove(k);
                        if (gone != null) {
                            handlers.forEach(h -> h.onDelete(o));
                        }
                    } else {
                        upsert(k, o);
                    }
                    maybeResync();
                }
            } finally {
                stream = null;
            }
            maybeResync();
        }
    }

    private void upsert(String k, ObjectNode o) {
        ObjectNode old = cache.put(k, o);
        if (old == null) {
            handlers.forEach(h -> h.onAdd(o));
        } else if (!Meta.resourceVersion(old).equals(Meta.resourceVersion(o))) {
            handlers.forEach(h -> h.onUpdate(old, o));
        }
    }

    /** Replays the cache as updates now and then, so a reconcile that failed silently gets another turn. */
    private void maybeResync() {
        if (System.nanoTime() - lastResync > resync.toNanos()) {
            lastResync = System.nanoTime();
            for (ObjectNode o : cache.values()) {
                handlers.forEach(h -> h.onUpdate(o, o));
            }
        }
    }

    private void ensureKind(ObjectNode o) {
        if (!o.has("kind")) {
            o.put("kind", type.kind()).put("apiVersion", type.apiVersion());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        InputStream s = stream;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        thread.interrupt();
    }
}
