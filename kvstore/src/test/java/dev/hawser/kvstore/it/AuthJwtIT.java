package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.hawser.proto.etcdserverpb.AuthGrpc;
import dev.hawser.proto.etcdserverpb.AuthenticateRequest;
import dev.hawser.proto.etcdserverpb.KVGrpc;
import dev.hawser.proto.etcdserverpb.RangeRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's signed tokens ({@code --auth-token jwt,pub-key=...,priv-key=...,sign-method=RS256,ttl=...}): etcdctl works
 * with them unchanged, they expire at their ttl, and a token signed with another key, altered, or claiming no
 * signature is refused with etcd's "invalid auth token".
 */
class AuthJwtIT {
  private static final int TTL_SECONDS = 3;
  @TempDir static Path keys;
  static StoreCluster cluster;
  static Etcdctl etcdctl;

  @BeforeAll
  static void start() throws Exception {
    Etcdctl.requireInstalled();
    writeKeyPair(generate(), "jwt");
    cluster = StoreCluster.of("AuthJwtIT", 1, "--auth-token",
        "jwt,pub-key=" + keys.resolve("jwt.pub") + ",priv-key=" + keys.resolve("jwt.key") + ",sign-method=RS256,ttl="
            + TTL_SECONDS + "s", "--bcrypt-cost", "6").start();
    etcdctl = Etcdctl.forEndpoints(cluster.endpoints());
    etcdctl.runRetrying(Duration.ofSeconds(60), "put", "/app/k", "v");
    etcdctl.ok("user", "add", "root:rootpw", "--interactive=false");
    etcdctl.ok("user", "add", "alice:alicepw", "--interactive=false");
    etcdctl.ok("role", "add", "app");
    etcdctl.ok("role", "grant-permission", "app", "read", "/app/", "--prefix");
    etcdctl.ok("user", "grant-role", "alice", "app");
    etcdctl.ok("auth", "enable");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void etcdctlWorksWithSignedTokens() {
    assertEquals("v", etcdctl.ok("--user", "alice:alicepw", "get", "/app/k", "--print-value-only").trim());
    Etcdctl.Result denied = etcdctl.run("--user", "alice:alicepw", "put", "/app/k", "x");
    assertEquals("etcdserver: permission denied", denied.error());
  }

  @Test
  void aSignedTokenExpiresAtItsTtl() throws Exception {
    String token = authenticate();
    assertEquals(1, range(token).getCount());
    assertEquals(3, token.split("\\.").length, "a JWT");
    Thread.sleep(TimeUnit.SECONDS.toMillis(TTL_SECONDS) + 1000);
    assertInvalid(token);
  }

  @Test
  void forgedAlteredAndUnsignedTokensAreRefused() throws Exception {
    String token = authenticate();
    String[] parts = token.split("\\.");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    String asRoot = b64.encodeToString(payload.replace("\"alice\"", "\"root\"").getBytes(StandardCharsets.UTF_8));
    assertInvalid(parts[0] + "." + asRoot + "." + parts[2]);
    String none = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
    assertInvalid(none + "." + asRoot + ".");
    assertInvalid("not-a-token");
    // Signed by a key pair the cluster does not trust: re-sign alice's claims with it.
    KeyPair other = generate();
    java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
    rsa.initSign(other.getPrivate());
    rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertInvalid(parts[0] + "." + parts[1] + "." + b64.encodeToString(rsa.sign()));
  }

  private static void assertInvalid(String token) {
    try {
      range(token);
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
      assertEquals("etcdserver: invalid auth token", e.getStatus().getDescription());
      return;
    }
    throw new AssertionError("accepted " + token);
  }

  private static String authenticate() {
    return AuthGrpc.newBlockingStub(cluster.channel(cluster.node(0))).withDeadlineAfter(10, TimeUnit.SECONDS)
        .authenticate(AuthenticateRequest.newBuilder().setName("alice").setPassword("alicepw").build()).getToken();
  }

  private static dev.hawser.proto.etcdserverpb.RangeResponse range(String token) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
    return KVGrpc.newBlockingStub(cluster.channel(cluster.node(0)))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/app/k")).build());
  }

  private static KeyPair generate() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static void writeKeyPair(KeyPair pair, String name) throws Exception {
    Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
    Files.writeString(keys.resolve(name + ".key"), "-----BEGIN PRIVATE KEY-----\n"
        + pem.encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    Files.writeString(keys.resolve(name + ".pub"), "-----BEGIN PUBLIC KEY-----\n"
        + pem.encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
    assertTrue(Files.size(keys.resolve(name + ".key")) > 1000);
  }
}
