package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.client.StoreWatch;
import dev.hawser.proto.mvccpb.Event;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET ...?watch=true}: a chunked stream of {@code {"type":..,"object":..}} lines fed by one store
 * watch. Without a resourceVersion (or with "0") it first sends the current objects as ADDED; with
 * one it sends exactly the changes after it, or one 410 Expired ERROR if the store has compacted
 * them away. Objects entering or leaving the selector appear as ADDED or DELETED, as in Kubernetes.
 */
final class WatchStream implements StoreWatch.Listener {
    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "watch-timers");
        t.setDaemon(true);
        return t;
    });
    static final Duration BOOKMARK_EVERY = Duration.ofSeconds(60);

    private final ObjectStore objects;
    private final ResourceType type;
    private final String namespace;
    private final ListOptions opts;
    private final Exchange exchange;
    private final boolean table;
    private final boolean bookmarks;
    private volatile StoreWatch watch;
    private volatile boolean closed;
    private boolean headersSent;
    private ScheduledFuture<?> timeout;
    private ScheduledFuture<?> progress;

    WatchStream(ObjectStore objects, ResourceType type, String namespace, ListOptions opts, Exchange exchange) {
        this.objects = objects;
        this.type = type;
        this.namespace = namespace;
        this.opts = opts;
        this.exchange = exchange;
        this.table = exchange.wantsTable();
        this.bookmarks = "true".equals(exchange.query().get("allowWatchBookmarks"));
    }

    void start() {
        long timeout = timeoutSeconds(); // a bad value is a 400, before the stream's 200 goes out
        String rv = opts.resourceVersion();
        long startRevision;
        List<ObjectNode> initial = List.of();
        if (rv.isEmpty() || "0".equals(rv)) {
            ObjectStore.Page page = objects.listPage(type, namespace,
                    new ListOptions(opts.labels(), opts.fields(), 0, "", rv, ""));
            initial = page.items();
            startRevision = page.revision() + 1;
        } else {
            startRevision = ListOptions.parseRevision(rv) + 1;
        }
        exchange.startStream("application/json", this::close);
        for (ObjectNode o : initial) {
            send("ADDED", o);
        }
        String prefix = namespace.isEmpty() || !type.namespaced()
                ? type.keyPrefix(objects.root()) : type.keyPrefix(objects.root()) + namespace + "/";
        watch = objects.store().watch(prefix, startRevision, this);
        if (closed) {
            watch.close();
        }
        this.timeout = TIMERS.schedule(this::finish, timeout, TimeUnit.SECONDS);
        if (bookmarks) {
            progress = TIMERS.scheduleAtFixedRate(() -> {
                StoreWatch w = watch;
                if (w != null) {
                    w.requestProgress();
                }
            }, BOOKMARK_EVERY.toSeconds(), BOOKMARK_EVERY.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** The client's timeoutSeconds, else 30 to 60 minutes (kube-apiserver's spread, so re-watches do not all land at once). */
    private long timeoutSeconds() {
        String t = exchange.query().getOrDefault("timeoutSeconds", "");
        if (!t.isEmpty()) {
            try {
                return Math.max(1, Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid timeoutSeconds \"" + t + "\"");
            }
        }
        return 1800 + ThreadLocalRandom.current().nextLong(1800);
    }

    @Override
    public void onEvents(List<Event> events, long revision) {
        for (Event e : events) {
            if (closed) {
                return;
            }
            long rev = e.getKv().getModRevision();
            if (e.getType() == Event.EventType.DELETE) {
                if (e.hasPrevKv()) {
                    ObjectNode old = at(objects.decode(e.getPrevKv()).object(), rev);
                    if (opts.matches(old)) {
                        send("DELETED", old);
                    }
                }
                continue;
            }
            ObjectNode now = objects.decode(e.getKv()).object();
            boolean nowMatches = opts.matches(now);
            boolean wasPresent = e.hasPrevKv() && opts.matches(objects.decode(e.getPrevKv()).object());
            if (nowMatches) {
                send(wasPresent ? "MODIFIED" : "ADDED", now);
            } else if (wasPresent) {
                send("DELETED", now);
            }
        }
    }

    @Override
    public void onProgress(long revision) {
        if (bookmarks && !closed) {
            ObjectNode o = Json.object();
            o.put("kind", type.kind()).put("apiVersion", type.apiVersion());
            o.putObject("metadata").put("resourceVersion", Long.toString(revision));
            sendRaw("BOOKMARK", o);
        }
    }

    @Override
    public void onCompacted(long compactRevision) {
        ApiException gone = ApiException.gone("too old resource version: " + opts.resourceVersion() + " (" + compactRevision + ")");
        sendRaw("ERROR", gone.toStatus());
        finish();
    }

    private static ObjectNode at(ObjectNode o, long revision) {
        Meta.metadata(o).put("resourceVersion", Long.toString(revision));
        return o;
    }

    private void send(String eventType, ObjectNode o) {
        JsonNode body = o;
        if (table) {
            body = Tables.table(type, List.of(o), Meta.resourceVersion(o), null, !headersSent,
                    "Object".equals(exchange.query().get("includeObject")));
            headersSent = true;
        }
        sendRaw(eventType, body);
    }

    private void sendRaw(String eventType, JsonNode object) {
        ObjectNode event = Json.object();
        event.put("type", eventType);
        event.set("object", object);
        byte[] line = Json.bytes(event);
        byte[] chunk = java.util.Arrays.copyOf(line, line.length + 1);
        chunk[line.length] = '\n';
        if (!exchange.write(chunk)) {
            close();
        }
    }

    private void finish() {
        close();
        exchange.endStream();
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        StoreWatch w = watch;
        if (w != null) {
            w.close();
        }
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (progress != null) {
            progress.cancel(false);
        }
    }
}
