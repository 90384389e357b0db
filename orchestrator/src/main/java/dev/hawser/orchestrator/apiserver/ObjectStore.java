package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceType;
import dev.hawser.orchestrator.api.ResourceTypes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.client.StoreClient;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.mvccpb.KeyValue;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Kubernetes object semantics on the store, as kube-apiserver's etcd3 storage does them: one key per
 * object, {@code resourceVersion} = the key's mod revision, create = put-if-absent, every update a
 * compare-and-swap on the mod revision it read, bookkeeping (uid, creationTimestamp, generation,
 * status kept apart from spec), finalizers and graceful deletion. Stateless: any number of API
 * servers can share one store.
 */
public final class ObjectStore {
    /** Which half of an object a write may change: the main resource or its status subresource. */
    public enum Part { MAIN, STATUS }

    public record Stored(ObjectNode object, long modRevision) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String NAME_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789";
    private static final int MAX_RETRIES = 16;

    private final StoreClient store;
    private final String root;
    private final ServiceIps serviceIps;
    private final EventLeases eventLeases;
    private final SecretEncryption encryption;

    public ObjectStore(StoreClient store, String root, SecretEncryption encryption) {
        this.store = store;
        this.root = root;
        this.encryption = encryption;
        this.serviceIps = new ServiceIps(root);
        this.eventLeases = new EventLeases(store);
    }

    public String root() {
        return root;
    }

    public StoreClient store() {
        return store;
    }

    public Optional<Stored> read(ResourceType t, String ns, String name) {
        return store.get(t.key(root, ns, name)).map(this::decode);
    }

    public ObjectNode get(ResourceType t, String ns, String name) {
        return read(t, ns, name).orElseThrow(() -> ApiException.notFound(t, name)).object();
    }

    Stored decode(KeyValue kv) {
        ObjectNode o = Json.parseObject(SecretEncryption.open(encryption, kv.getValue().toByteArray()));
        Meta.metadata(o).put("resourceVersion", Long.toString(kv.getModRevision()));
        return new Stored(o, kv.getModRevision());
    }

    /** The stored form: JSON without resourceVersion (the key's mod revision is the truth), Secrets sealed if configured. */
    private byte[] encode(ResourceType t, ObjectNode o) {
        ObjectNode copy = o.deepCopy();
        Meta.metadata(copy).remove("resourceVersion");
        byte[] json = Json.bytes(copy);
        return t == ResourceTypes.SECRETS && encryption != null ? encryption.seal(json) : json;
    }

    /** A {@code <Kind>List} of the matching objects, with the store revision it reflects and a continue token. */
    public ObjectNode list(ResourceType t, String ns, ListOptions opts) {
        Page page = listPage(t, ns, opts);
        ObjectNode list = Json.object();
        list.put("kind", t.kind() + "List").put("apiVersion", t.apiVersion());
        ObjectNode md = list.putObject("metadata");
        md.put("resourceVersion", Long.toString(page.revision()));
        if (!page.continueToken().isEmpty()) {
            md.put("continue", page.continueToken());
        }
        ArrayNode items = list.putArray("items");
        page.items().forEach(items::add);
        return list;
    }

    public record Page(List<ObjectNode> items, long revision, String continueToken) {
    }

    public Page listPage(ResourceType t, String ns, ListOptions opts) {
        String prefix = ns.isEmpty() || !t.namespaced() ? t.keyPrefix(root) : t.keyPrefix(root) + ns + "/";
        long revision = 0;
        String startKey = "";
        if (!opts.continueToken().isEmpty()) {
            ContinueToken c = ContinueToken.decode(opts.continueToken());
            revision = c.revision();
            startKey = c.startKey();
            if (!startKey.startsWith(prefix)) {
                throw ApiException.badRequest("continue key is not valid: key \"" + startKey + "\" does not belong to this list");
            }
        } else if (!opts.resourceVersion().isEmpty() && "Exact".equals(opts.resourceVersionMatch())) {
            revision = ListOptions.parseRevision(opts.resourceVersion());
        }
        boolean serializable = "0".equals(opts.resourceVersion()) && opts.continueToken().isEmpty();
        List<ObjectNode> items = new ArrayList<>();
        String next = "";
        while (true) {
            long want = opts.limit() > 0 ? Math.max(opts.limit() - items.size(), 50) : 0;
            StoreClient.Page p;
            try {
                p = store.list(prefix, startKey, want, revision, serializable);
            } catch (StatusRuntimeException e) {
                throw compactedAsGone(e, opts);
            }
            if (revision == 0) {
                revision = p.revision();
            }
            List<KeyValue> kvs = p.kvs();
            boolean full = false;
            for (int i = 0; i < kvs.size(); i++) {
                ObjectNode o = decode(kvs.get(i)).object();
                if (opts.matches(o)) {
                    items.add(o);
                }
                if (opts.limit() > 0 && items.size() >= opts.limit() && (i < kvs.size() - 1 || p.more())) {
                    next = kvs.get(i).getKey().toStringUtf8() + "\0";
                    full = true;
                    break;
                }
            }
            if (full || !p.more() || kvs.isEmpty()) {
                break;
            }
            startKey = kvs.get(kvs.size() - 1).getKey().toStringUtf8() + "\0";
        }
        return new Page(items, revision, next.isEmpty() ? "" : new ContinueToken(revision, next).encode());
    }

    private static RuntimeException compactedAsGone(StatusRuntimeException e, ListOptions opts) {
        String d = String.valueOf(e.getStatus().getDescription());
        if (e.getStatus().getCode() == Status.Code.OUT_OF_RANGE && d.contains("compacted")) {
            if (!opts.continueToken().isEmpty()) {
                return ApiException.gone("The provided continue parameter is too old to display a consistent list result. "
                        + "You can start a new list without the continue parameter, or use the continue token in this "
                        + "response to retrieve the remainder of the results.");
            }
            return ApiException.gone("too old resource version: " + opts.resourceVersion());
        }
        if (e.getStatus().getCode() == Status.Code.OUT_OF_RANGE && d.contains("future")) {
            return new ApiException(504, "Timeout", "Too large resource version: " + opts.resourceVersion());
        }
        return e;
    }

    public ObjectNode create(ResourceType t, String ns, ObjectNode body) {
        checkKind(t, body);
        ObjectNode o = body.deepCopy();
        ObjectNode md = Meta.metadata(o);
        if (Meta.name(o).isEmpty() && md.hasNonNull("generateName")) {
            md.put("name", md.get("generateName").asText() + randomSuffix());
        }
        if (t.namespaced()) {
            String bodyNs = Meta.namespace(o);
            if (!bodyNs.isEmpty() && !bodyNs.equals(ns)) {
                throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            md.put("namespace", ns);
            requireActiveNamespace(t, ns, Meta.name(o));
        } else {
            md.remove("namespace");
        }
        o.put("kind", t.kind()).put("apiVersion", t.apiVersion());
        md.put("uid", UUID.randomUUID().toString());
        md.put("creationTimestamp", Meta.now());
        md.remove(List.of("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"));
        if (t.tracksGeneration()) {
            md.put("generation", 1);
        } else {
            md.remove("generation");
        }
        prepareForCreate(t, o);
        Defaults.apply(t, o);
        Validation.check(t, o);
        String key = t.key(root, ns, Meta.name(o));
        long lease = t == ResourceTypes.EVENTS ? eventLeases.current() : 0;
        boolean userChoseIp = !body.path("spec").path("clusterIP").asText("").isEmpty();
        for (int attempt = 0; ; attempt++) {
            List<RequestOp> extra = new ArrayList<>();
            List<Compare> checks = new ArrayList<>();
            String ip = t == ResourceTypes.SERVICES ? serviceIps.assign(o, extra, checks) : null;
            byte[] value = encode(t, o);
            StoreClient.Write w = store.create(key, value, lease, extra, checks);
            if (w.succeeded()) {
                Meta.metadata(o).put("resourceVersion", Long.toString(w.revision()));
                return o;
            }
            if (w.current() != null) {
                throw ApiException.alreadyExists(t, Meta.name(o));
            }
            if (ip == null || attempt >= MAX_RETRIES || userChoseIp) {
                throw ApiException.invalid(t, Meta.name(o), List.of(new ApiException.Cause("FieldValueInvalid",
                        "Invalid value: \"" + ip + "\": provided IP is already allocated", "spec.clusterIPs")));
            }
            ServiceIps.forget(o); // another service took the address meanwhile: pick another
        }
    }

    /** Status is owned by controllers and agents: a create starts it from scratch (phase Pending for pods). */
    private static void prepareForCreate(ResourceType t, ObjectNode o) {
        switch (t.kind()) {
            case "Pod" -> {
                ObjectNode status = Json.object();
                status.put("phase", "Pending");
                status.put("qosClass", "BestEffort");
                o.set("status", status);
            }
            case "Deployment", "ReplicaSet" -> o.set("status", Json.object());
            case "Namespace" -> {
                o.putObject("spec").putArray("finalizers").add("kubernetes");
                o.putObject("status").put("phase", "Active");
            }
            case "Service" -> {
                if (!o.has("status")) {
                    o.putObject("status").putObject("loadBalancer");
                }
            }
            default -> {
            }
        }
    }

    private void requireActiveNamespace(ResourceType t, String ns, String name) {
        Optional<Stored> namespace = read(ResourceTypes.NAMESPACES, "", ns);
        if (namespace.isEmpty()) {
            throw new ApiException(404, "NotFound", "namespaces \"" + ns + "\" not found", "", "namespaces", ns, List.of());
        }
        if (Meta.isDeleting(namespace.get().object())) {
            throw ApiException.forbidden(t.qualifiedPlural() + " \"" + name + "\" is forbidden: unable to create new content in namespace "
                    + ns + " because it is being terminated");
        }
    }

    /** Wrong JSON types in the fields every object shares are decode errors (400), as Kubernetes' typed decoding makes them. */
    private static void checkMetadataTypes(JsonNode body) {
        JsonNode md = body.path("metadata");
        if (!md.isMissingNode() && !md.isObject()) {
            throw ApiException.badRequest("metadata must be an object");
        }
        for (String f : List.of("name", "namespace", "generateName", "resourceVersion", "uid")) {
            if (md.has(f) && !md.get(f).isTextual() && !md.get(f).isNull()) {
                throw ApiException.badRequest("json: cannot unmarshal " + md.get(f).getNodeType().toString().toLowerCase(java.util.Locale.ROOT)
                        + " into field metadata." + f + " of type string");
            }
        }
        for (String f : List.of("labels", "annotations")) {
            JsonNode m = md.path(f);
            if (m.isMissingNode() || m.isNull()) {
                continue;
            }
            if (!m.isObject()) {
                throw ApiException.badRequest("json: metadata." + f + " must be a map of strings");
            }
            m.fields().forEachRemaining(e -> {
                if (!e.getValue().isTextual()) {
                    throw ApiException.badRequest("json: cannot unmarshal " + e.getValue().getNodeType().toString().toLowerCase(java.util.Locale.ROOT)
                            + " into metadata." + f + "[" + e.getKey() + "] of type string");
                }
            });
        }
    }

    private static void checkKind(ResourceType t, JsonNode body) {
        checkMetadataTypes(body);
        String kind = body.path("kind").asText("");
        String apiVersion = body.path("apiVersion").asText("");
        if (!kind.isEmpty() && !kind.equals(t.kind())) {
            throw ApiException.badRequest("the kind in the data (" + kind + ") does not match the expected kind (" + t.kind() + ")");
        }
        if (!apiVersion.isEmpty() && !apiVersion.equals(t.apiVersion())) {
            throw ApiException.badRequest("the API version in the data (" + apiVersion + ") does not match the expected API version ("
                    + t.apiVersion() + ")");
        }
    }

    /** PUT: replaces the object (or its status), optionally conditional on the body's resourceVersion. */
    public ObjectNode update(ResourceType t, String ns, String name, ObjectNode body, Part part) {
        checkKind(t, body);
        if (!Meta.name(body).isEmpty() && !Meta.name(body).equals(name)) {
            throw ApiException.badRequest("the name of the object (" + Meta.name(body) + ") does not match the name on the URL (" + name + ")");
        }
        String expected = Meta.resourceVersion(body);
        return mutate(t, ns, name, current -> body.deepCopy(), part, expected);
    }

    /** PATCH: applies the patch to the current object, retrying on concurrent writes unless it pins a resourceVersion. */
    public ObjectNode patch(ResourceType t, String ns, String name, String contentType, byte[] patch, Part part) {
        return mutate(t, ns, name, current -> {
            JsonNode patched = Patches.apply(contentType, current, patch);
            if (!(patched instanceof ObjectNode po)) {
                throw ApiException.badRequest("the patch did not produce an object");
            }
            checkMetadataTypes(po);
            String pinned = Meta.resourceVersion(po);
            if (!pinned.isEmpty() && !pinned.equals(Meta.resourceVersion(current))) {
                throw ApiException.conflict(t, name, "the object has been modified; please apply your changes to the latest version and try again");
            }
            return po;
        }, part, "");
    }

    /**
     * The read-modify-write loop every update goes through (kube's GuaranteedUpdate): read, let
     * {@code change} compute the new object from the current one, store it only if nobody wrote in
     * between, else start over. With {@code expectedRv} set, a concurrent write is the caller's
     * conflict (409) instead.
     */
    public ObjectNode mutate(ResourceType t, String ns, String name, UnaryOperator<ObjectNode> change, Part part, String expectedRv) {
        for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
            Stored current = read(t, ns, name).orElseThrow(() -> ApiException.notFound(t, name));
            if (!expectedRv.isEmpty() && !expectedRv.equals(Meta.resourceVersion(current.object()))) {
                throw ApiException.conflict(t, name, "the object has been modified; please apply your changes to the latest version and try again");
            }
            ObjectNode proposed = change.apply(current.object().deepCopy());
            ObjectNode next = part == Part.STATUS ? withStatus(current.object(), proposed) : withSpec(t, current.object(), proposed);
            if (next.equals(current.object())) {
                return current.object();
            }
            if (part == Part.MAIN) {
                Defaults.apply(t, next);
            }
            Validation.check(t, next);
            String key = t.key(root, ns, name);
            StoreClient.Write w;
            if (readyToGo(t, next)) {
                w = store.delete(key, current.modRevision(), releaseOps(t, current.object()));
            } else {
                w = store.update(key, current.modRevision(), encode(t, next), leaseOf(t));
            }
            if (w.succeeded()) {
                Meta.metadata(next).put("resourceVersion", Long.toString(w.revision()));
                return next;
            }
            if (!expectedRv.isEmpty()) {
                throw ApiException.conflict(t, name, "the object has been modified; please apply your changes to the latest version and try again");
            }
        }
        throw ApiException.conflict(t, name, "too many concurrent writers; try again");
    }

    private long leaseOf(ResourceType t) {
        return t == ResourceTypes.EVENTS ? eventLeases.current() : 0;
    }

    /** A main-resource write: everything but status and the server-owned metadata comes from the request. */
    private static ObjectNode withSpec(ResourceType t, ObjectNode current, ObjectNode proposed) {
        ObjectNode next = proposed.deepCopy();
        next.put("kind", t.kind()).put("apiVersion", t.apiVersion());
        ObjectNode md = Meta.metadata(next);
        JsonNode cmd = current.path("metadata");
        for (String f : List.of("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation")) {
            if (cmd.has(f)) {
                md.set(f, cmd.get(f));
            } else {
                md.remove(f);
            }
        }
        md.put("resourceVersion", cmd.path("resourceVersion").asText());
        if (t.hasStatus()) {
            if (current.has("status")) {
                next.set("status", current.get("status"));
            } else {
                next.remove("status");
            }
        }
        if (t == ResourceTypes.SERVICES) {
            ServiceIps.keepAssigned(current, next);
        }
        if (t.tracksGeneration() && specChanged(current, next)) {
            md.put("generation", cmd.path("generation").asLong(1) + 1);
        }
        return next;
    }

    /** A status write changes only {@code status}. */
    private static ObjectNode withStatus(ObjectNode current, ObjectNode proposed) {
        ObjectNode next = current.deepCopy();
        if (proposed.has("status")) {
            next.set("status", proposed.get("status"));
        } else {
            next.remove("status");
        }
        return next;
    }

    private static boolean specChanged(ObjectNode a, ObjectNode b) {
        ObjectNode x = a.deepCopy();
        ObjectNode y = b.deepCopy();
        for (ObjectNode o : List.of(x, y)) {
            o.remove(List.of("metadata", "status"));
        }
        return !x.equals(y);
    }

    /**
     * DELETE. Bound pods get a grace period (their agent stops them, then deletes with grace 0);
     * objects with finalizers, and Foreground/Orphan deletions (which add one), are only marked with
     * {@code deletionTimestamp} and go once the last finalizer is removed. Everything else goes now;
     * its dependents are the garbage collector's job.
     */
    public ObjectNode delete(ResourceType t, String ns, String name, DeleteOptions opts) {
        for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
            Stored current = read(t, ns, name).orElseThrow(() -> ApiException.notFound(t, name));
            ObjectNode o = current.object();
            if (!opts.uid().isEmpty() && !opts.uid().equals(Meta.uid(o))) {
                throw ApiException.conflict(t, name, "Precondition failed: UID in precondition: " + opts.uid() + ", UID in object meta: " + Meta.uid(o));
            }
            if (!opts.resourceVersion().isEmpty() && !opts.resourceVersion().equals(Meta.resourceVersion(o))) {
                throw ApiException.conflict(t, name, "Precondition failed: ResourceVersion in precondition: " + opts.resourceVersion()
                        + ", ResourceVersion in object meta: " + Meta.resourceVersion(o));
            }
            ObjectNode marked = markForDeletion(t, o, opts);
            String key = t.key(root, ns, name);
            StoreClient.Write w = marked == null
                    ? store.delete(key, current.modRevision(), releaseOps(t, o))
                    : marked.equals(o) ? new StoreClient.Write(true, current.modRevision(), null)
                    : store.update(key, current.modRevision(), encode(t, marked), leaseOf(t));
            if (w.succeeded()) {
                ObjectNode result = marked == null ? o : marked;
                Meta.metadata(result).put("resourceVersion", Long.toString(w.revision()));
                return result;
            }
        }
        throw ApiException.conflict(t, name, "too many concurrent writers; try again");
    }

    /** The object with deletion recorded on it, or null if it can go right away. */
    private static ObjectNode markForDeletion(ResourceType t, ObjectNode o, DeleteOptions opts) {
        ObjectNode m = o.deepCopy();
        ObjectNode md = Meta.metadata(m);
        if (t == ResourceTypes.NAMESPACES) {
            Defaults.obj(m, "status").put("phase", "Terminating");
        }
        if (!Meta.isDeleting(o)) {
            if ("Foreground".equals(opts.propagationPolicy())) {
                addFinalizer(md, "foregroundDeletion");
            } else if ("Orphan".equals(opts.propagationPolicy())) {
                addFinalizer(md, "orphan");
            }
        }
        boolean graceful = isGracefulPod(t, o);
        long grace = 0;
        if (graceful) {
            grace = opts.gracePeriodSeconds() != null ? opts.gracePeriodSeconds()
                    : o.path("spec").path("terminationGracePeriodSeconds").asLong(30);
            if (Meta.isDeleting(o) && opts.gracePeriodSeconds() == null) {
                return o; // already terminating; an unchanged repeat is a no-op
            }
            graceful = grace > 0;
        }
        boolean namespaceContent = t == ResourceTypes.NAMESPACES && o.path("spec").path("finalizers").size() > 0;
        if (!graceful && !Meta.hasFinalizers(m) && !namespaceContent) {
            return null;
        }
        if (!Meta.isDeleting(o) || graceful) {
            md.put("deletionTimestamp", Meta.timestamp(Instant.now().plusSeconds(grace)));
            md.put("deletionGracePeriodSeconds", grace);
        }
        return m;
    }

    /** Marked for deletion and nothing left to wait for: no finalizers, no pod still shutting down. */
    private static boolean readyToGo(ResourceType t, JsonNode o) {
        return Meta.isDeleting(o) && !Meta.hasFinalizers(o) && !isGracefulPod(t, o)
                && !(t == ResourceTypes.NAMESPACES && o.path("spec").path("finalizers").size() > 0);
    }

    private static boolean isGracefulPod(ResourceType t, JsonNode o) {
        return t == ResourceTypes.PODS && !o.path("spec").path("nodeName").asText("").isEmpty()
                && !isFinished(o) && o.path("metadata").path("deletionGracePeriodSeconds").asLong(1) > 0;
    }

    private static boolean isFinished(JsonNode pod) {
        String phase = pod.path("status").path("phase").asText();
        return phase.equals("Succeeded") || phase.equals("Failed");
    }

    private static void addFinalizer(ObjectNode md, String finalizer) {
        ArrayNode fs = Defaults.arr(md, "finalizers");
        for (JsonNode f : fs) {
            if (f.asText().equals(finalizer)) {
                return;
            }
        }
        fs.add(finalizer);
    }

    private List<RequestOp> releaseOps(ResourceType t, ObjectNode o) {
        return t == ResourceTypes.SERVICES ? serviceIps.releaseOps(o) : List.of();
    }

    private static String randomSuffix() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            b.append(NAME_SUFFIX_CHARS.charAt(RANDOM.nextInt(NAME_SUFFIX_CHARS.length())));
        }
        return b.toString();
    }

    /** Where the next page of a list starts, at the revision of its first page. Opaque to clients. */
    record ContinueToken(long revision, String startKey) {
        String encode() {
            ObjectNode n = Json.object().put("v", "hawser/1").put("rv", revision).put("start", startKey);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(n));
        }

        static ContinueToken decode(String token) {
            try {
                JsonNode n = Json.parse(Base64.getUrlDecoder().decode(token));
                if (!"hawser/1".equals(n.path("v").asText()) || n.path("rv").asLong() <= 0) {
                    throw new IllegalArgumentException();
                }
                return new ContinueToken(n.path("rv").asLong(), n.path("start").asText());
            } catch (IllegalArgumentException | ApiException e) {
                throw ApiException.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            }
        }
    }
}
