package dev.hawser.orchestrator.controller;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hawser.orchestrator.api.Meta;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** What controllers ask about a pod: is it still counted, is it ready, has it been ready long enough. */
public final class Pods {
    private Pods() {
    }

    /** Counted towards replicas: not finished and not on its way out. */
    public static boolean isActive(JsonNode pod) {
        String phase = pod.path("status").path("phase").asText();
        return !Meta.isDeleting(pod) && !phase.equals("Succeeded") && !phase.equals("Failed");
    }

    public static boolean isReady(JsonNode pod) {
        return readySince(pod) != null;
    }

    /** Ready for at least {@code minReadySeconds}. */
    public static boolean isAvailable(JsonNode pod, long minReadySeconds, Instant now) {
        Instant since = readySince(pod);
        return since != null && (minReadySeconds == 0 || !since.plusSeconds(minReadySeconds).isAfter(now));
    }

    static Instant readySince(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                try {
                    return Instant.parse(c.path("lastTransitionTime").asText(Instant.EPOCH.toString()));
                } catch (DateTimeParseException e) {
                    return Instant.EPOCH;
                }
            }
        }
        return null;
    }

    public static int restarts(JsonNode pod) {
        int n = 0;
        for (JsonNode cs : pod.path("status").path("containerStatuses")) {
            n += cs.path("restartCount").asInt();
        }
        return n;
    }
}
