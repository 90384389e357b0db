package dev.hawser.orchestrator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.CompactionRequest;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.PutRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API server as users meet it: the real kubectl 1.32 against a real 3-member store cluster,
 * through two API servers at once (objects written through one are read and watched through the other).
 */
class KubectlApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APP = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {app: web}
            spec:
              replicas: 3
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: demo-http
                    ports:
                    - containerPort: 8080
                    env:
                    - {name: GREETING, value: hello}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector: {app: web}
              ports:
              - port: 80
                targetPort: 8080
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web-config
              labels: {app: web}
            data:
              greeting: hello
            """;

    @TempDir
    static Path dir;
    static ControlPlane plane;
    static String server1;
    static String server2;
    static Kubectl admin;
    static Kubectl admin2;

    @BeforeAll
    static void start() throws Exception {
        plane = ControlPlane.start(3, dir);
        server1 = plane.startApiServer();
        server2 = plane.startApiServer();
        admin = plane.kubectl(server1, ControlPlane.ADMIN_TOKEN, "admin");
        admin2 = plane.kubectl(server2, ControlPlane.ADMIN_TOKEN, "admin2");
    }

    @AfterAll
    static void stop() {
        if (plane != null) {
            plane.close();
        }
    }

    @Test
    void applyGetDescribeAndReapply() throws Exception {
        namespace("apply-test");
        String out = admin.runWithInput(APP, "apply", "-n", "apply-test", "-f", "-").ok().out();
        assertTrue(out.contains("deployment.apps/web created"), out);
        assertTrue(out.contains("service/web created"), out);
        assertTrue(out.contains("configmap/web-config created"), out);

        String wide = admin2.run("get", "-n", "apply-test", "deploy,svc,cm", "-o", "wide").ok().out();
        assertTrue(wide.matches("(?s).*NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s+SELECTOR.*"), wide);
        assertTrue(wide.matches("(?s).*deployment.apps/web\\s+0/3\\s+0\\s+0\\s+\\S+\\s+web\\s+demo-http\\s+app=web.*"), wide);
        assertTrue(wide.matches("(?s).*service/web\\s+ClusterIP\\s+127\\.1\\.\\d+\\.\\d+\\s+<none>\\s+80/TCP.*"), wide);
        assertTrue(wide.matches("(?s).*configmap/web-config\\s+1\\s.*"), wide);

        JsonNode deploy = JSON.readTree(admin2.run("get", "-n", "apply-test", "deploy", "web", "-o", "json").ok().out());
        assertEquals(1, deploy.path("metadata").path("generation").asInt());
        assertEquals("RollingUpdate", deploy.path("spec").path("strategy").path("type").asText());
        assertFalse(deploy.path("metadata").path("uid").asText().isEmpty());
        assertTrue(admin.run("get", "-n", "apply-test", "deploy", "web", "-o", "yaml").ok().out().contains("creationTimestamp:"));

        String again = admin.runWithInput(APP, "apply", "-n", "apply-test", "-f", "-").ok().out();
        assertTrue(again.contains("deployment.apps/web unchanged"), again);

        // A changed manifest becomes a strategic merge patch: env merged by name, generation bumped once.
        String changed = APP.replace("value: hello}", "value: bonjour}").replace("replicas: 3", "replicas: 2");
        assertTrue(admin.runWithInput(changed, "apply", "-n", "apply-test", "-f", "-").ok().out().contains("deployment.apps/web configured"));
        deploy = JSON.readTree(admin2.run("get", "-n", "apply-test", "deploy", "web", "-o", "json").ok().out());
        assertEquals(2, deploy.path("spec").path("replicas").asInt());
        assertEquals(2, deploy.path("metadata").path("generation").asInt());
        JsonNode env = deploy.path("spec").path("template").path("spec").path("containers").get(0).path("env");
        assertEquals(1, env.size());
        assertEquals("bonjour", env.get(0).path("value").asText());

        String described = admin.run("describe", "-n", "apply-test", "deployment", "web").ok().out();
        assertTrue(described.contains("Replicas:") && described.contains("2 desired"), described);
        assertTrue(described.contains("GREETING:"), described);

        String svc = admin.run("describe", "-n", "apply-test", "service", "web").ok().out();
        assertTrue(svc.contains("TargetPort:") && svc.contains("8080/TCP"), svc);
    }

    @Test
    void scaleBumpsReplicasThroughTheScaleSubresource() throws Exception {
        namespace("scale-test");
        admin.runWithInput(APP, "apply", "-n", "scale-test", "-f", "-").ok();
        assertTrue(admin.run("scale", "-n", "scale-test", "deployment/web", "--replicas=5").ok().out().contains("scaled"));
        JsonNode d = JSON.readTree(admin2.run("get", "-n", "scale-test", "deploy", "web", "-o", "json").ok().out());
        assertEquals(5, d.path("spec").path("replicas").asInt());
        assertEquals(2, d.path("metadata").path("generation").asInt());
        Kubectl.Result bad = admin.run("scale", "-n", "scale-test", "deployment/web", "--replicas=5", "--current-replicas=3");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().toLowerCase(java.util.Locale.ROOT).contains("expected replicas to be 3, was 5"), bad.err());
    }

    @Test
    void staleUpdateIsAConflict() throws Exception {
        namespace("conflict-test");
        admin.runWithInput(APP, "apply", "-n", "conflict-test", "-f", "-").ok();
        String cm = admin.run("get", "-n", "conflict-test", "cm", "web-config", "-o", "json").ok().out();
        admin2.run("patch", "-n", "conflict-test", "cm", "web-config", "-p", "{\"data\":{\"greeting\":\"changed\"}}").ok();
        Kubectl.Result r = admin.runWithInput(cm, "replace", "-f", "-");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("Conflict") && r.err().contains("the object has been modified"), r.err());
        String now = admin.run("get", "-n", "conflict-test", "cm", "web-config", "-o", "jsonpath={.data.greeting}").ok().out();
        assertEquals("changed", now);
    }

    @Test
    void patchTypes() throws Exception {
        namespace("patch-test");
        admin.runWithInput(APP, "apply", "-n", "patch-test", "-f", "-").ok();
        admin.run("patch", "-n", "patch-test", "cm", "web-config", "--type=merge", "-p", "{\"data\":{\"a\":\"1\",\"greeting\":null}}").ok();
        admin.run("patch", "-n", "patch-test", "cm", "web-config", "--type=json", "-p", "[{\"op\":\"add\",\"path\":\"/data/b\",\"value\":\"2\"}]").ok();
        admin.run("patch", "-n", "patch-test", "deploy", "web", "-p",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"demo-http:2\"}]}}}}").ok();
        JsonNode cm = JSON.readTree(admin.run("get", "-n", "patch-test", "cm", "web-config", "-o", "json").ok().out());
        assertEquals("{\"a\":\"1\",\"b\":\"2\"}", cm.path("data").toString());
        JsonNode c = JSON.readTree(admin.run("get", "-n", "patch-test", "deploy", "web", "-o", "json").ok().out())
                .path("spec").path("template").path("spec").path("containers");
        assertEquals(1, c.size());
        assertEquals("demo-http:2", c.get(0).path("image").asText());
        assertEquals(8080, c.get(0).path("ports").get(0).path("containerPort").asInt(), "strategic merge kept the ports");
        Kubectl.Result bad = admin.run("patch", "-n", "patch-test", "cm", "web-config", "--type=json", "-p",
                "[{\"op\":\"remove\",\"path\":\"/data/nope\"}]");
        assertEquals(1, bad.exit());
    }

    @Test
    void badManifestsGetReadableErrorsAndStoreNothing() throws Exception {
        String bad = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: Bad_Name
                spec:
                  selector:
                    matchLabels: {app: a}
                  template:
                    metadata:
                      labels: {app: b}
                    spec:
                      containers:
                      - name: c
                """;
        Kubectl.Result r = admin.runWithInput(bad, "apply", "-f", "-");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("The Deployment \"Bad_Name\" is invalid"), r.err());
        assertTrue(r.err().contains("metadata.name: Invalid value: \"Bad_Name\""), r.err());
        assertTrue(r.err().contains("spec.template.spec.containers[0].image: Required value"), r.err());
        assertTrue(r.err().contains("`selector` does not match template `labels`"), r.err());

        Kubectl.Result noNs = admin.runWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nope\n", "apply", "-f", "-");
        assertEquals(1, noNs.exit());
        assertTrue(noNs.err().contains("namespaces \"nope\" not found"), noNs.err());

        Kubectl.Result missing = admin.run("get", "deploy", "no-such-thing");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("Error from server (NotFound): deployments.apps \"no-such-thing\" not found"), missing.err());

        assertTrue(admin.run("get", "deploy", "-A", "-o", "name").ok().out().lines().noneMatch(l -> l.contains("Bad_Name")));
    }

    @Test
    void authenticationAndReadOnlyRole() throws Exception {
        HttpResponse<String> anonymous = client().send(HttpRequest.newBuilder(URI.create(server1 + "/api/v1/pods")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        assertEquals("Unauthorized", JSON.readTree(anonymous.body()).path("reason").asText());
        Kubectl.Result wrong = plane.kubectl(server1, "not-a-token", "wrong").run("get", "ns");
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("provide credentials"), wrong.err());

        Kubectl viewer = plane.kubectl(server1, ControlPlane.VIEWER_TOKEN, "viewer");
        assertTrue(viewer.run("get", "ns").ok().out().contains("default"));
        Kubectl.Result write = viewer.runWithInput(NAMESPACE.formatted("viewer-made"), "apply", "-f", "-");
        assertEquals(1, write.exit());
        assertTrue(write.err().contains("Forbidden") && write.err().contains("User \"viewer\" cannot create resource \"namespaces\""), write.err());
        Kubectl.Result secret = viewer.run("get", "secrets");
        assertEquals(1, secret.exit());

        // Client certificates: CN is the user, O the groups.
        Kubectl alice = plane.kubectlWithCertificate(server1, "alice", "alice");
        assertTrue(alice.runWithInput(NAMESPACE.formatted("alice-made"), "apply", "-f", "-").ok().out().contains("namespace/alice-made created"));
        Kubectl bob = plane.kubectlWithCertificate(server1, "bob", "bob");
        assertTrue(bob.run("get", "ns", "alice-made").ok().out().contains("alice-made"));
        Kubectl.Result bobWrites = bob.run("delete", "ns", "alice-made");
        assertEquals(1, bobWrites.exit());
        assertTrue(bobWrites.err().contains("User \"bob\" cannot delete"), bobWrites.err());
    }

    @Test
    void plainHttpIsNotServedWhenTlsIsOn() throws Exception {
        String plain = server1.replace("https://", "http://");
        Kubectl.Result r = plane.kubectl(plain, ControlPlane.ADMIN_TOKEN, "plain").run("get", "ns");
        assertEquals(1, r.exit());
    }

    @Test
    void getWatchFollowsChangesMadeThroughTheOtherApiServer() throws Exception {
        namespace("watch-test");
        admin.runWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w0\n", "apply", "-n", "watch-test", "-f", "-").ok();
        Path out = dir.resolve("watch.out");
        Process watch = admin.background(out, "get", "cm", "-n", "watch-test", "-w");
        try {
            waitFor(out, "NAME");
            admin2.runWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w1\ndata:\n  a: b\n", "apply", "-n", "watch-test", "-f", "-").ok();
            waitFor(out, "w1");
            admin2.run("patch", "-n", "watch-test", "cm", "w1", "-p", "{\"data\":{\"c\":\"d\"}}").ok();
            waitForLines(out, "w1", 2);
        } finally {
            watch.destroy();
        }
        List<String> rows = Files.readAllLines(out).stream().filter(l -> l.startsWith("w1")).toList();
        assertTrue(rows.get(0).matches("w1\\s+1\\s+.*"), rows.toString());
        assertTrue(rows.get(1).matches("w1\\s+2\\s+.*"), rows.toString());
    }

    @Test
    void watchFromAResourceVersionSendsExactlyTheLaterChangesOr410WhenCompacted() throws Exception {
        namespace("rv-test");
        admin.runWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n", "apply", "-n", "rv-test", "-f", "-").ok();
        String rv = JSON.readTree(http(server1, "/api/v1/namespaces/rv-test/configmaps").body()).path("metadata").path("resourceVersion").asText();
        admin.runWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n", "apply", "-n", "rv-test", "-f", "-").ok();
        admin.run("delete", "-n", "rv-test", "cm", "a").ok();

        List<JsonNode> events = watchEvents(server2, "/api/v1/namespaces/rv-test/configmaps?watch=true&resourceVersion=" + rv, 2);
        assertEquals("ADDED", events.get(0).path("type").asText());
        assertEquals("b", events.get(0).path("object").path("metadata").path("name").asText());
        assertEquals("DELETED", events.get(1).path("type").asText());
        assertEquals("a", events.get(1).path("object").path("metadata").path("name").asText());
        assertTrue(events.get(1).path("object").path("metadata").path("resourceVersion").asLong()
                > events.get(0).path("object").path("metadata").path("resourceVersion").asLong());

        // Compact the store past rv: the same watch is now answered with one 410 Expired ERROR event.
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(plane.store.channel(plane.store.names().get(0)));
        long head = kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/unrelated")).build()).getHeader().getRevision();
        kv.compact(CompactionRequest.newBuilder().setRevision(head).setPhysical(true).build());
        List<JsonNode> expired = watchEvents(server2, "/api/v1/namespaces/rv-test/configmaps?watch=true&resourceVersion=" + rv, 1);
        assertEquals("ERROR", expired.get(0).path("type").asText());
        assertEquals(410, expired.get(0).path("object").path("code").asInt());
        assertEquals("Expired", expired.get(0).path("object").path("reason").asText());
    }

    @Test
    void listsPageWithLimitAndContinueAndFilterBySelectors() throws Exception {
        namespace("page-test");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 23; i++) {
            many.append("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-").append(i)
                    .append("\n  labels: {parity: ").append(i % 2 == 0 ? "even" : "odd").append("}\n");
        }
        admin.runWithInput(many.toString(), "apply", "-n", "page-test", "-f", "-").ok();
        List<String> names = new ArrayList<>();
        String cont = "";
        int pages = 0;
        do {
            JsonNode page = JSON.readTree(http(server1, "/api/v1/namespaces/page-test/configmaps?limit=5"
                    + (cont.isEmpty() ? "" : "&continue=" + cont)).body());
            page.path("items").forEach(i -> names.add(i.path("metadata").path("name").asText()));
            cont = page.path("metadata").path("continue").asText("");
            pages++;
        } while (!cont.isEmpty());
        assertEquals(23, names.size());
        assertEquals(5, pages);
        assertEquals(23, admin.run("get", "cm", "-n", "page-test", "--chunk-size=4", "-o", "name").ok().out().lines().count());
        assertEquals(11, admin.run("get", "cm", "-n", "page-test", "-l", "parity=odd", "-o", "name").ok().out().lines().count());
        assertEquals(12, admin.run("get", "cm", "-n", "page-test", "-l", "parity in (even)", "-o", "name").ok().out().lines().count());
        assertEquals(1, admin.run("get", "cm", "-n", "page-test", "--field-selector", "metadata.name=cm-7", "-o", "name").ok().out().lines().count());
        assertEquals(400, http(server1, "/api/v1/namespaces/page-test/configmaps?continue=garbage").statusCode());
    }

    @Test
    void deleteWaitsUntilTheObjectIsGone() throws Exception {
        namespace("delete-test");
        admin.runWithInput(APP, "apply", "-n", "delete-test", "-f", "-").ok();
        String out = admin.run("delete", "-n", "delete-test", "deployment/web", "service/web").ok().out();
        assertTrue(out.contains("deployment.apps \"web\" deleted") && out.contains("service \"web\" deleted"), out);
        assertEquals(1, admin.run("get", "-n", "delete-test", "deploy", "web").exit());
        // The freed cluster IP claim went with the service: the same IP can be claimed again.
        assertTrue(admin2.run("api-resources").ok().out().contains("deployments"));
        assertTrue(admin2.run("cluster-info").ok().out().contains("is running at " + server2));
    }

    private static final String NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n";

    private static void namespace(String name) throws Exception {
        admin.runWithInput(NAMESPACE.formatted(name), "apply", "-f", "-").ok();
    }

    @Test
    void secretsAreEncryptedAtRestAndBase64OnTheWire() throws Exception {
        namespace("secret-test");
        admin.runWithInput("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-very-secret\n",
                "apply", "-n", "secret-test", "-f", "-").ok();
        JsonNode secret = JSON.readTree(admin2.run("get", "secret", "db", "-n", "secret-test", "-o", "json").ok().out());
        assertEquals("hunter2-very-secret", new String(java.util.Base64.getDecoder().decode(secret.path("data").path("password").asText())));
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(plane.store.channel(plane.store.names().get(0)));
        var raw = kv.range(dev.hawser.proto.etcdserverpb.RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("/registry/secrets/secret-test/db")).build()).getKvs(0).getValue();
        assertTrue(raw.startsWith(ByteString.copyFromUtf8("k8s:enc:aesgcm:v1:key1:")), "sealed in the store");
        assertFalse(raw.toStringUtf8().contains("hunter2") || raw.toStringUtf8().contains(secret.path("data").path("password").asText()),
                "no plaintext and no base64 of it in the store");
    }

    @Test
    void imperativeCreateExplainsThatProtobufBodiesAreNotSupported() throws Exception {
        Kubectl.Result r = admin.run("create", "namespace", "imperative");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("UnsupportedMediaType") && r.err().contains("kubectl apply -f -"), r.err());
        assertEquals(1, admin.run("get", "namespace", "imperative").exit());
    }

    private static HttpResponse<String> http(String server, String path) throws Exception {
        return client().send(HttpRequest.newBuilder(URI.create(server + path))
                .header("Authorization", "Bearer " + ControlPlane.ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<JsonNode> watchEvents(String server, String path, int count) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response = client().send(HttpRequest.newBuilder(URI.create(server + path))
                .header("Authorization", "Bearer " + ControlPlane.ADMIN_TOKEN).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofLines());
        List<JsonNode> events = new ArrayList<>();
        try (java.util.stream.Stream<String> lines = response.body()) {
            var it = lines.iterator();
            while (events.size() < count && it.hasNext()) {
                events.add(JSON.readTree(it.next()));
            }
        }
        assertEquals(count, events.size(), events.toString());
        return events;
    }

    /** An HTTPS client trusting the test CA. */
    private static HttpClient client() throws Exception {
        try (var ca = Files.newInputStream(plane.pki().resolve("ca.crt"))) {
            return HttpClient.newBuilder().sslContext(dev.hawser.orchestrator.client.KubeConfig.trusting(ca)).build();
        }
    }

    private static void waitFor(Path file, String text) throws Exception {
        waitForLines(file, text, 1);
    }

    private static void waitForLines(Path file, String prefix, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix)).count() >= n) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + n + " lines starting with " + prefix + " in " + Files.readString(file));
    }
}
