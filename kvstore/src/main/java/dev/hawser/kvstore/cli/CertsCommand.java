package dev.hawser.kvstore.cli;

import dev.hawser.kvstore.pki.DevPki;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code hawser certs}: a development CA with a member certificate and client certificates, as PEM files. The member
 * certificate (CN {@code hawser-member}, server and client key usage, SANs from {@code --hosts}) serves both the client
 * port and the peer port: members present it to each other, so it works for peer mutual TLS as well.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Write a development CA (ca.crt), a member certificate (member.crt/.key, for the client and the peer "
                + "port) and client certificates (<user>.crt/.key) for a local TLS cluster. For production, use your own PKI.")
final class CertsCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, description = "Folder to write into (must not hold a ca.crt yet).")
    Path dir;

    @Option(names = "--hosts", split = ",", defaultValue = "127.0.0.1,localhost",
            description = "Names and addresses the members answer on (default: ${DEFAULT-VALUE}).")
    List<String> hosts;

    @Option(names = "--client", split = ",", defaultValue = "root",
            description = "Client certificate users (CN), comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> clients;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(dir.resolve("ca.crt"))) {
            throw new IllegalArgumentException(dir.resolve("ca.crt") + " exists; refusing to replace a CA");
        }
        DevPki ca = DevPki.create("hawser-dev-ca");
        ca.writeCa(dir);
        ca.server("hawser-member", hosts).write(dir, "member");
        for (String c : clients) {
            ca.client(c, List.of()).write(dir, c);
        }
        System.out.println("wrote " + dir.resolve("ca.crt") + ", member.crt/.key and " + String.join(", ", clients) + " client certificates");
        System.out.println("member flags: --cert-file " + dir.resolve("member.crt") + " --key-file " + dir.resolve("member.key")
                + " --trusted-ca-file " + dir.resolve("ca.crt") + " --client-cert-auth (client URLs https://)");
        System.out.println("peer flags:   --peer-cert-file " + dir.resolve("member.crt") + " --peer-key-file " + dir.resolve("member.key")
                + " --peer-trusted-ca-file " + dir.resolve("ca.crt") + " --peer-client-cert-auth --peer-cert-allowed-cn hawser-member"
                + " (peer URLs https://)");
        return 0;
    }
}
