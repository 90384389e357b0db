package dev.hawser.orchestrator.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;

import java.time.Instant;

/** The three states a container status can show, as Kubernetes writes them. */
sealed interface ContainerState {
    ObjectNode toJson();

    record Waiting(String reason, String message) implements ContainerState {
        @Override
        public ObjectNode toJson() {
            ObjectNode w = Json.object();
            ObjectNode in = w.putObject("waiting").put("reason", reason);
            if (message != null) {
                in.put("message", message);
            }
            return w;
        }
    }

    record Running(Instant startedAt) implements ContainerState {
        @Override
        public ObjectNode toJson() {
            ObjectNode r = Json.object();
            r.putObject("running").put("startedAt", Meta.timestamp(startedAt));
            return r;
        }
    }

    /** {@code exitCode} 128+n when signal n ended it, as a shell reports it. */
    record Terminated(int exitCode, String reason, String message, Instant startedAt, Instant finishedAt, String containerId)
            implements ContainerState {
        static Terminated of(int exitCode, Instant startedAt, Instant finishedAt, String containerId) {
            return new Terminated(exitCode, exitCode == 0 ? "Completed" : "Error", null, startedAt, finishedAt, containerId);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode t = Json.object();
            ObjectNode in = t.putObject("terminated").put("exitCode", exitCode).put("reason", reason);
            if (exitCode > 128 && exitCode < 160) {
                in.put("signal", exitCode - 128);
            }
            if (message != null) {
                in.put("message", message);
            }
            if (startedAt != null) {
                in.put("startedAt", Meta.timestamp(startedAt));
            }
            in.put("finishedAt", Meta.timestamp(finishedAt));
            if (containerId != null) {
                in.put("containerID", containerId);
            }
            return t;
        }
    }
}
