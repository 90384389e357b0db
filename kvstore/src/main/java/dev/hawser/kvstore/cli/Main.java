package dev.hawser.kvstore.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hawser}: the store's command line. */
@Command(name = "hawser", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "An etcd-compatible, Raft-replicated key-value store.",
        subcommands = {StoreCommand.class, SnapshotCommand.class, CertsCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // One readable line and a non-zero exit for bad input; stack traces only with --debug-style logging.
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("hawser: " + ex.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"hawser " + (v == null ? "dev" : v) + " (etcd API 3.5)"};
        }
    }
}
