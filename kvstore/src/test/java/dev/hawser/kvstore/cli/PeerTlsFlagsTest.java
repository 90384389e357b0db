package dev.hawser.kvstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hawser.kvstore.pki.DevPki;
import dev.hawser.kvstore.server.StoreConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** How {@code hawser store} takes etcd's peer TLS flags, and the one-line errors for combinations that cannot work. */
class PeerTlsFlagsTest {
  @TempDir static Path pki;

  @BeforeAll
  static void certs() throws Exception {
    DevPki ca = DevPki.create("flags-ca");
    ca.writeCa(pki);
    ca.server("member", List.of("127.0.0.1")).write(pki, "member");
  }

  private static StoreConfig config(String... args) {
    StoreCommand command = new StoreCommand();
    new CommandLine(command).parseArgs(args);
    return command.config();
  }

  private static String[] tlsMember(String scheme, String... more) {
    List<String> args = new ArrayList<>(List.of("--name", "n1",
        "--listen-peer-urls", scheme + "://127.0.0.1:2380",
        "--initial-cluster", "n1=" + scheme + "://127.0.0.1:2380,n2=" + scheme + "://127.0.0.1:2390"));
    args.addAll(List.of(more));
    return args.toArray(new String[0]);
  }

  private static String[] certFlags(String... more) {
    List<String> args = new ArrayList<>(List.of(
        "--peer-cert-file", pki.resolve("member.crt").toString(),
        "--peer-key-file", pki.resolve("member.key").toString()));
    args.addAll(List.of(more));
    return args.toArray(new String[0]);
  }

  private static String error(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> config(args)).getMessage();
  }

  @Test
  void peerTlsWithHttpsPeerUrls() {
    StoreConfig cfg = config(tlsMember("https", certFlags("--peer-trusted-ca-file", pki.resolve("ca.crt").toString(),
        "--peer-client-cert-auth", "--peer-cert-allowed-cn", "member")));
    assertTrue(cfg.peerTls().clientCertAuth());
    assertEquals("member", cfg.peerTls().allowedCn());
    cfg.peerTls().parameters(); // the PEM files load
    assertNull(config(tlsMember("http")).peerTls(), "plain-text peers without the flags");
  }

  @Test
  void mismatchedSchemesAndFlagsAreOneLineErrors() {
    assertTrue(error(tlsMember("http", certFlags())).startsWith("with --peer-cert-file every peer URL must be https://"));
    assertTrue(error(tlsMember("https")).contains("is https:// but peer TLS is off"));
    assertTrue(error("--name", "n1", "--listen-peer-urls", "https://127.0.0.1:2380",
        "--initial-cluster", "n1=https://127.0.0.1:2380,n2=http://127.0.0.1:2390",
        "--peer-cert-file", pki.resolve("member.crt").toString(), "--peer-key-file", pki.resolve("member.key").toString())
        .contains("not http://127.0.0.1:2390"));
    assertEquals("--peer-client-cert-auth needs --peer-trusted-ca-file",
        error(tlsMember("https", certFlags("--peer-client-cert-auth"))));
    assertEquals("--peer-cert-allowed-cn needs --peer-client-cert-auth", error(tlsMember("https",
        certFlags("--peer-trusted-ca-file", pki.resolve("ca.crt").toString(), "--peer-cert-allowed-cn", "member"))));
    assertEquals("--peer-cert-file and --peer-key-file go together",
        error(tlsMember("https", "--peer-cert-file", pki.resolve("member.crt").toString())));
    assertEquals("peer TLS flags need --peer-cert-file and --peer-key-file",
        error(tlsMember("http", "--peer-client-cert-auth")));
    for (String e : List.of(error(tlsMember("http", certFlags())), error(tlsMember("https")))) {
      assertTrue(!e.contains("\n"), e);
    }
  }
}
