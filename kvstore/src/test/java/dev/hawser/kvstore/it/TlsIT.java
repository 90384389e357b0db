package dev.hawser.kvstore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.hawser.kvstore.pki.DevPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member serving its client port over TLS with client-certificate authentication (etcd's
 * --cert-file, --key-file, --trusted-ca-file, --client-cert-auth), checked with etcdctl's TLS flags.
 */
class TlsIT {
  @TempDir static Path pki;
  static StoreCluster cluster;
  static Etcdctl etcdctl;

  @BeforeAll
  static void start() throws Exception {
    Etcdctl.requireInstalled();
    DevPki ca = DevPki.create("tls-it-ca");
    ca.writeCa(pki);
    ca.server("member", List.of("127.0.0.1", "localhost")).write(pki, "member");
    ca.client("root", List.of()).write(pki, "root");
    DevPki.create("someone-else").client("mallory", List.of()).write(pki, "mallory");
    cluster = StoreCluster.of("TlsIT", 1,
        "--cert-file", pki.resolve("member.crt").toString(), "--key-file", pki.resolve("member.key").toString(),
        "--trusted-ca-file", pki.resolve("ca.crt").toString(), "--client-cert-auth").start();
    etcdctl = Etcdctl.forEndpoints(cluster.endpoints());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (etcdctl.run(withCert("root", "endpoint", "health")).exitCode() != 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the TLS member never became healthy");
      }
      Thread.sleep(300);
    }
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String[] withCert(String cert, String... args) {
    return Etcdctl.withCert(pki, cert, args);
  }

  @Test
  void aClientWithACertificateFromTheTrustedCaReadsAndWrites() {
    assertEquals(0, etcdctl.run(withCert("root", "put", "/tls/k", "v")).exitCode());
    Etcdctl.Result get = etcdctl.run(withCert("root", "get", "/tls/k", "--print-value-only"));
    assertEquals("v", get.stdout().trim());
  }

  @Test
  void clientsWithoutAValidCertificateAreRefused() {
    Etcdctl.Result noCert = etcdctl.run("--cacert=" + pki.resolve("ca.crt"), "get", "/tls/k");
    assertNotEquals(0, noCert.exitCode(), noCert.stdout());
    Etcdctl.Result foreign = etcdctl.run(withCert("mallory", "get", "/tls/k"));
    assertNotEquals(0, foreign.exitCode(), foreign.stdout());
  }

  @Test
  void plainTextClientsAreRefused() {
    Etcdctl plain = Etcdctl.forEndpoints(cluster.endpoints().replace("https://", "http://"));
    Etcdctl.Result r = plain.run("get", "/tls/k");
    assertNotEquals(0, r.exitCode(), r.stdout());
  }
}
