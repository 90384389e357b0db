package dev.hawser.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The JSON document a run writes: what ran, with which parameters, and every measured phase. */
public record Results(String tool, String command, List<String> args, String startedAt, List<String> endpoints,
                      Map<String, Object> params, List<RunResult> results, Map<String, Object> extra) {
    public static final ObjectMapper JSON = new ObjectMapper()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public void writeJson(Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        JSON.writeValue(file.toFile(), this);
    }

    /** Writes the JSON and the plot of {@code plotted} where {@code files} says, and tells where on {@code out}. */
    public void write(OutputFiles files, RunResult plotted, PrintWriter out) throws IOException {
        if (files.json() != null) {
            writeJson(files.json());
            out.println("wrote " + files.json());
        }
        if (files.plot() != null && plotted != null) {
            Plot.write(plotted, command, files.plot());
            out.println("wrote " + files.plot());
        }
    }
}
