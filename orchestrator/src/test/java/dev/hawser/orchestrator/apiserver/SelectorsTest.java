package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.LabelSelector;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelectorsTest {
    @Test
    void labelSelectorQueryForms() {
        Map<String, String> labels = Map.of("app", "web", "tier", "front");
        assertTrue(LabelSelector.parse("app=web").matches(labels));
        assertTrue(LabelSelector.parse("app==web,tier!=db").matches(labels));
        assertTrue(LabelSelector.parse("tier in (front, back)").matches(labels));
        assertFalse(LabelSelector.parse("tier notin (front)").matches(labels));
        assertTrue(LabelSelector.parse("app,!canary").matches(labels));
        assertFalse(LabelSelector.parse("canary").matches(labels));
        assertTrue(LabelSelector.parse("").matches(labels));
        assertThrows(ApiException.class, () -> LabelSelector.parse("app=web,,"));
        assertThrows(ApiException.class, () -> LabelSelector.parse("bad key=x"));
    }

    @Test
    void objectSelectorsAndFormatting() {
        JsonNode sel = Json.parse("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]}]}"
                .getBytes(StandardCharsets.UTF_8));
        assertTrue(LabelSelector.fromObject(sel).matches(Map.of("app", "web", "env", "b")));
        assertFalse(LabelSelector.fromObject(sel).matches(Map.of("app", "web")));
        assertEquals("app=web,env in (a,b)", LabelSelector.format(sel));
        assertFalse(LabelSelector.NOTHING.matches(Map.of()), "a missing selector selects nothing");
    }

    @Test
    void fieldSelectorsReadTheObjectsOwnFields() {
        JsonNode pod = Json.parse("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"nodeName\":\"a\"},\"status\":{\"phase\":\"Running\"}}"
                .getBytes(StandardCharsets.UTF_8));
        assertTrue(FieldSelector.parse("metadata.name=p,spec.nodeName=a").matches(pod));
        assertTrue(FieldSelector.parse("status.phase!=Pending").matches(pod));
        assertFalse(FieldSelector.parse("spec.nodeName=").matches(pod));
        assertEquals("p", FieldSelector.parse("metadata.name=p").exactName());
        assertThrows(ApiException.class, () -> FieldSelector.parse("metadata.name"));
    }

    @Test
    void agesPrintLikeKubectl() {
        assertEquals("45s", HumanDuration.of(Duration.ofSeconds(45)));
        assertEquals("119s", HumanDuration.of(Duration.ofSeconds(119)));
        assertEquals("3m12s", HumanDuration.of(Duration.ofSeconds(192)));
        assertEquals("15m", HumanDuration.of(Duration.ofMinutes(15)));
        assertEquals("5h10m", HumanDuration.of(Duration.ofMinutes(310)));
        assertEquals("20h", HumanDuration.of(Duration.ofHours(20)));
        assertEquals("3d4h", HumanDuration.of(Duration.ofHours(76)));
        assertEquals("40d", HumanDuration.of(Duration.ofDays(40)));
    }
}
