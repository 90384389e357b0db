package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.hawser.orchestrator.client.StoreClient;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.RequestOp;

import java.security.SecureRandom;
import java.util.List;

/**
 * Cluster IPs for Services, from the loopback range 127.1.0.0/16 so the service proxy can listen on
 * them without root or iptables. Each address is claimed by a key created in the same transaction as
 * its Service (and deleted with it), so two API servers can never hand out the same one.
 */
final class ServiceIps {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String root;

    ServiceIps(String root) {
        this.root = root;
    }

    /** Sets spec.clusterIP if unset and adds the claim to the create txn; returns the address, or null if none is needed. */
    String assign(ObjectNode service, List<RequestOp> ops, List<Compare> checks) {
        ObjectNode spec = Defaults.obj(service, "spec");
        if ("ExternalName".equals(spec.path("type").asText())) {
            return null;
        }
        String ip = spec.path("clusterIP").asText("");
        if ("None".equals(ip)) {
            spec.putArray("clusterIPs").add("None");
            return null;
        }
        if (ip.isEmpty()) {
            ip = "127.1." + RANDOM.nextInt(256) + "." + (1 + RANDOM.nextInt(254));
            spec.put("clusterIP", ip);
        } else if (!ip.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            throw ApiException.invalid(ResourceTypes.SERVICES, Meta.name(service), List.of(new ApiException.Cause("FieldValueInvalid",
                    "Invalid value: \"" + ip + "\": provided IP is not in the valid range. The range of valid IPs is 127.1.0.0/16",
                    "spec.clusterIPs")));
        }
        spec.putArray("clusterIPs").add(ip);
        spec.putArray("ipFamilies").add("IPv4");
        spec.put("ipFamilyPolicy", "SingleStack");
        ByteString claim = ByteString.copyFromUtf8(claimKey(ip));
        checks.add(StoreClient.modRevisionIs(claim, 0));
        ops.add(StoreClient.put(claim, StoreClient.bytes(Meta.namespace(service) + "/" + Meta.name(service)), 0));
        return ip;
    }

    /** After a lost race for an address we picked: forget it so the next attempt picks another. */
    static void forget(ObjectNode service) {
        if (service.path("spec") instanceof ObjectNode s) {
            s.remove(List.of("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"));
        }
    }

    List<RequestOp> releaseOps(JsonNode service) {
        String ip = service.path("spec").path("clusterIP").asText("");
        if (ip.isEmpty() || "None".equals(ip)) {
            return List.of();
        }
        return List.of(StoreClient.deleteKey(ByteString.copyFromUtf8(claimKey(ip))));
    }

    /** A cluster IP never changes: updates that leave it out keep it; updates that change it are refused. */
    static void keepAssigned(JsonNode current, ObjectNode next) {
        String ip = current.path("spec").path("clusterIP").asText("");
        ObjectNode spec = Defaults.obj(next, "spec");
        String proposed = spec.path("clusterIP").asText("");
        if (proposed.isEmpty()) {
            if (!ip.isEmpty()) {
                spec.put("clusterIP", ip);
                spec.set("clusterIPs", current.path("spec").path("clusterIPs"));
                spec.set("ipFamilies", current.path("spec").path("ipFamilies"));
                spec.set("ipFamilyPolicy", current.path("spec").path("ipFamilyPolicy"));
            }
        } else if (!proposed.equals(ip)) {
            throw ApiException.invalid(ResourceTypes.SERVICES, Meta.name(current), List.of(new ApiException.Cause(
                    "FieldValueInvalid", "Invalid value: \"" + proposed + "\": field is immutable", "spec.clusterIPs[0]")));
        }
    }

    private String claimKey(String ip) {
        return root + "/ranges/serviceips/" + ip;
    }
}
