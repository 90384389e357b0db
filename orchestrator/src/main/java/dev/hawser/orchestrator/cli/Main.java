package dev.hawser.orchestrator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hawser} subcommands of the orchestrator: API server, controllers, scheduler, agents, proxy. */
@Command(name = "hawser", mixinStandardHelpOptions = true,
        description = "Hawser's Kubernetes-style orchestrator.",
        subcommands = {ApiServerCommand.class, ControllerManagerCommand.class, SchedulerCommand.class,
                AgentCommand.class, ProxyCommand.class, UpCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("hawser: " + ex.getMessage());
            return 1;
        });
        return cli.execute(args);
    }
}
