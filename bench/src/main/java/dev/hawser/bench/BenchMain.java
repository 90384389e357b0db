package dev.hawser.bench;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code hawser bench}: load over the etcd v3 gRPC API (so it runs unchanged against Hawser or etcd), the
 * etcd-vs-Hawser comparison, and the JMH microbenchmarks. Exit codes: 0 done, 1 the run failed (unreachable
 * endpoint, every request failed, ...), 2 bad flags.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        description = "Benchmarks over the etcd v3 API: load against Hawser or etcd, and etcd-vs-Hawser comparison.",
        subcommands = {PutCommand.class, RangeCommand.class, TxnCommand.class, WatchCommand.class,
                WatchLatencyCommand.class, LeaseKeepAliveCommand.class, CompareCommand.class, BenchMain.Jmh.class})
public final class BenchMain implements Callable<Integer> {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) throws Exception {
        // hawser-kvstore (on this classpath for JMH and compare) ships its own logback.xml; the tool uses its own.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "bench-logback.xml");
        }
        String[] rest = args.length > 0 && args[0].equals("bench") ? Arrays.copyOfRange(args, 1, args.length) : args;
        if (rest.length > 0 && rest[0].equals("jmh")) {
            // JMH parses its own flags (-f, -wi, -i, regexps...).
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(rest, 1, rest.length));
            return;
        }
        int code = run(rest, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.exit(code);
    }

    /** Runs one command line (without the leading "bench") and returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new BenchMain());
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setParameterExceptionHandler((ex, a) -> {
            err.println("hawser " + ex.getCommandLine().getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            err.flush();
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            String who = "hawser " + commandLine.getCommandSpec().qualifiedName();
            if (ex instanceof BenchException) {
                err.println(who + ": " + ex.getMessage());
            } else {
                err.println(who + ": unexpected error: " + ex);
                if (System.getenv("HAWSER_BENCH_DEBUG") != null) {
                    ex.printStackTrace(err);
                }
            }
            err.flush();
            return EXIT_FAILED;
        });
        return cmd.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /** Listed for --help only: {@link #main} hands "jmh ..." to JMH before picocli sees it. */
    @Command(name = "jmh", description = "Run the JMH microbenchmarks; arguments go to JMH (e.g. -f 1 -wi 2 -i 3 Revision).")
    static final class Jmh implements Callable<Integer> {
        @CommandLine.Parameters(arity = "0..*", paramLabel = "JMH-ARGS")
        String[] args = new String[0];

        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.Main.main(args);
            return 0;
        }
    }
}
