package dev.hawser.bench;

import dev.hawser.bench.load.Connections;
import dev.hawser.bench.load.LoadRunner;
import dev.hawser.bench.load.Operation;
import dev.hawser.bench.load.Report;
import dev.hawser.bench.load.Results;
import dev.hawser.bench.load.RunResult;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A closed-loop workload of one request type: checks flags, connects (failing fast), runs, prints etcd's
 * summary, writes JSON and plot. Subclasses say what one request is.
 */
abstract class LoadCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Mixin
    RunOptions run = new RunOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Spec
    CommandSpec spec;

    /** Checks this workload's own flags. */
    abstract void validate(Validation v);

    /** Prepares the cluster if needed (e.g. grant leases) and returns the request to repeat. */
    abstract Operation prepare(Connections conns) throws Exception;

    /** Undoes what {@link #prepare} left behind, if anything. */
    void cleanUp(Connections conns) {
    }

    /** This workload's flags, for the JSON. */
    abstract Map<String, Object> params();

    @Override
    public Integer call() throws Exception {
        Validation v = new Validation(spec.commandLine());
        connection.validate(v);
        run.validate(v);
        output.validate(v);
        validate(v);
        PrintWriter out = spec.commandLine().getOut();
        RunResult result;
        try (Connections conns = connection.open(v)) {
            result = measure(conns, spec.name());
        }
        Report.print(result, out);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("conns", connection.conns);
        params.put("clients", run.clients);
        params.put("total", run.total == null ? null : run.total);
        params.put("duration", run.duration == null ? null : run.duration.toString());
        params.put("rate", run.rate);
        params.put("targetLeader", connection.targetLeader);
        params.putAll(params());
        String name = spec.name();
        new Results("hawser bench", name, List.copyOf(spec.commandLine().getParseResult().originalArgs()),
                Instant.now().toString(), connection.endpointStrings(), params, List.of(result), Map.of())
                .write(output.files(name), result, out);
        out.flush();
        if (result.requests() == 0) {
            throw new BenchException("all " + result.errors() + " requests failed: " + result.errorKinds().keySet());
        }
        return 0;
    }

    /** Prepares, runs the load and cleans up; the compare command calls this directly. */
    RunResult measure(Connections conns, String name) throws Exception {
        Operation op = prepare(conns);
        try {
            return LoadRunner.run(run.plan(name, output.progress()), op);
        } finally {
            cleanUp(conns);
        }
    }
}
