package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code POST pods/{name}/binding}: the scheduler's one way to place a pod, allowed once per pod. */
final class Binding {
    private Binding() {
    }

    static void bind(ObjectStore objects, String ns, String podName, ObjectNode binding) {
        String node = binding.path("target").path("name").asText("");
        if (node.isEmpty()) {
            throw ApiException.invalid(ResourceTypes.PODS, podName, java.util.List.of(
                    new ApiException.Cause("FieldValueRequired", "Required value", "target.name")));
        }
        objects.mutate(ResourceTypes.PODS, ns, podName, pod -> {
            String bound = pod.path("spec").path("nodeName").asText("");
            if (Meta.isDeleting(pod)) {
                throw ApiException.conflict(ResourceTypes.PODS, podName, "pod " + podName + " is being deleted, cannot be assigned to a host");
            }
            if (!bound.isEmpty()) {
                throw ApiException.conflict(ResourceTypes.PODS, podName, "pod " + podName + " is already assigned to node \"" + bound + "\"");
            }
            Defaults.obj(pod, "spec").put("nodeName", node);
            return pod;
        }, ObjectStore.Part.MAIN, "");
        objects.mutate(ResourceTypes.PODS, ns, podName, pod -> {
            ArrayNode conditions = Defaults.arr(Defaults.obj(pod, "status"), "conditions");
            for (int i = conditions.size() - 1; i >= 0; i--) {
                if ("PodScheduled".equals(conditions.get(i).path("type").asText())) {
                    conditions.remove(i);
                }
            }
            conditions.addObject().put("type", "PodScheduled").put("status", "True").put("lastTransitionTime", Meta.now());
            return pod;
        }, ObjectStore.Part.STATUS, "");
    }
}
