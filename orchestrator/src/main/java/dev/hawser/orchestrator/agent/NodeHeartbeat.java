package dev.hawser.orchestrator.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.Meta;
import dev.hawser.orchestrator.api.ResourceTypes;
import dev.hawser.orchestrator.client.ApiClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;

/**
 * The agent's presence in the API: registers the Node (created, or updated when it exists from an
 * earlier run), renews the kube-node-lease Lease every few seconds (what the node lifecycle controller
 * watches) and refreshes the Node's Ready condition less often, as the kubelet does since leases.
 */
final class NodeHeartbeat {
    private static final Logger LOG = LoggerFactory.getLogger(NodeHeartbeat.class);
    static final String LEASE_NAMESPACE = "kube-node-lease";

    private final ApiClient api;
    private final AgentConfig config;
    private final Clock clock;
    private final int httpPort;
    private ObjectNode lease;

    NodeHeartbeat(ApiClient api, AgentConfig config, Clock clock, int httpPort) {
        this.api = api;
        this.config = config;
        this.clock = clock;
        this.httpPort = httpPort;
    }

    void register() {
        ObjectNode desired = nodeObject();
        Optional<ObjectNode> existing = api.get(ResourceTypes.NODES, "", config.nodeName());
        ObjectNode node;
        if (existing.isEmpty()) {
            node = api.create(ResourceTypes.NODES, "", desired);
        } else {
            node = existing.get().deepCopy();
            ((ObjectNode) Meta.metadata(node).with("labels")).setAll((ObjectNode) desired.path("metadata").path("labels"));
            node.set("spec", desired.get("spec"));
            node = api.update(ResourceTypes.NODES, node);
        }
        node.set("status", desired.get("status"));
        api.updateStatus(ResourceTypes.NODES, node);
        LOG.info("registered node {} (agent on {}:{})", config.nodeName(), config.address(), httpPort);
    }

    /** One lease renewal; a conflict or a missing lease is repaired on the spot. */
    void renewLease() {
        String now = microTime();
        try {
            if (lease == null) {
                lease = api.get(ResourceTypes.LEASES, LEASE_NAMESPACE, config.nodeName()).orElse(null);
            }
            if (lease == null) {
                ObjectNode l = Json.object().put("apiVersion", "coordination.k8s.io/v1").put("kind", "Lease");
                l.putObject("metadata").put("name", config.nodeName()).put("namespace", LEASE_NAMESPACE);
                l.putObject("spec").put("holderIdentity", config.nodeName()).put("leaseDurationSeconds", config.leaseDurationSeconds())
                        .put("renewTime", now);
                lease = api.create(ResourceTypes.LEASES, LEASE_NAMESPACE, l);
                return;
            }
            ObjectNode next = lease.deepCopy();
            ((ObjectNode) next.with("spec")).put("holderIdentity", config.nodeName())
                    .put("leaseDurationSeconds", config.leaseDurationSeconds()).put("renewTime", now);
            lease = api.update(ResourceTypes.LEASES, next);
        } catch (ApiException e) {
            lease = null; // re-read next time (409: someone else wrote it; 404: it was deleted)
            LOG.warn("renewing lease {}/{} failed: {}", LEASE_NAMESPACE, config.nodeName(), e.getMessage());
        }
    }

    /** Refreshes the Ready condition's heartbeat time (and re-creates the Node if someone deleted it). */
    void updateNodeStatus() {
        try {
            Optional<ObjectNode> node = api.get(ResourceTypes.NODES, "", config.nodeName());
            if (node.isEmpty()) {
                register();
                return;
            }
            ObjectNode n = node.get().deepCopy();
            ObjectNode desired = (ObjectNode) nodeObject().get("status");
            ObjectNode status = (ObjectNode) n.with("status");
            String since = null;
            for (var c : status.path("conditions")) {
                if ("Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                    since = c.path("lastTransitionTime").asText(null);
                }
            }
            status.setAll(desired);
            if (since != null) {
                ((ObjectNode) status.path("conditions").get(0)).put("lastTransitionTime", since);
            }
            api.updateStatus(ResourceTypes.NODES, n);
        } catch (ApiException e) {
            LOG.warn("updating the status of node {} failed: {}", config.nodeName(), e.getMessage());
        }
    }

    private ObjectNode nodeObject() {
        String now = Meta.timestamp(clock.instant());
        ObjectNode n = Json.object().put("apiVersion", "v1").put("kind", "Node");
        ObjectNode labels = n.putObject("metadata").put("name", config.nodeName()).putObject("labels");
        labels.put("kubernetes.io/hostname", config.nodeName()).put("kubernetes.io/os", "linux").put("kubernetes.io/arch", arch());
        ObjectNode spec = n.putObject("spec").put("podCIDR", config.podCidr());
        spec.putArray("podCIDRs").add(config.podCidr());
        ObjectNode status = n.putObject("status");
        ObjectNode capacity = status.putObject("capacity").put("cpu", config.cpu()).put("memory", config.memory())
                .put("pods", Integer.toString(config.maxPods()));
        status.set("allocatable", capacity.deepCopy());
        ArrayNode addresses = status.putArray("addresses");
        addresses.addObject().put("type", "InternalIP").put("address", config.address());
        addresses.addObject().put("type", "Hostname").put("address", config.nodeName());
        status.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", httpPort);
        status.putObject("nodeInfo").put("kubeletVersion", "v1.32.0-hawser").put("kubeProxyVersion", "v1.32.0-hawser")
                .put("osImage", osImage()).put("kernelVersion", System.getProperty("os.version"))
                .put("containerRuntimeVersion", "hawser-process://1").put("architecture", arch())
                .put("operatingSystem", "linux").put("machineID", "").put("systemUUID", "").put("bootID", "");
        status.putArray("conditions").addObject().put("type", "Ready").put("status", "True").put("reason", "KubeletReady")
                .put("message", "hawser agent is posting ready status").put("lastHeartbeatTime", now).put("lastTransitionTime", now);
        status.put("phase", "Running");
        return n;
    }

    private String microTime() {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC)
                .format(clock.instant().truncatedTo(ChronoUnit.MICROS));
    }

    /** Go's names for the architecture, as Kubernetes reports them. */
    private static String arch() {
        String a = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> a;
        };
    }

    private static String osImage() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException ignored) {
            // fall through to the JVM's view
        }
        return System.getProperty("os.name");
    }
}
