package dev.hawser.orchestrator.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hawser.orchestrator.api.ApiException;
import dev.hawser.orchestrator.api.Json;
import dev.hawser.orchestrator.api.ResourceTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does: the holder
 * renews the lease; a candidate takes it over only after it has seen the same record unchanged for a
 * whole lease duration, measured on its own clock (so clocks of different machines never compare).
 * Every write is a compare-and-swap on resourceVersion, so two candidates cannot both win.
 */
public final class LeaderElector {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderElector.class);

    private final ApiClient api;
    private final String namespace;
    private final String name;
    private final String identity;
    private final Duration leaseDuration;
    private final Duration retryPeriod;
    private String observedRecord = "";
    private long observedAt = System.nanoTime();
    private volatile boolean leading;

    public LeaderElector(ApiClient api, String namespace, String name, String identity, Duration leaseDuration, Duration retryPeriod) {
        this.api = api;
        this.namespace = namespace;
        this.name = name;
        this.identity = identity;
        this.leaseDuration = leaseDuration;
        this.retryPeriod = retryPeriod;
    }

    /**
     * Blocks until this candidate leads, runs {@code onLeading}, keeps renewing, and returns when
     * leadership is lost (the caller should then stop acting as leader; components exit).
     */
    public void run(Runnable onLeading) throws InterruptedException {
        while (!tryAcquireOrRenew()) {
            Thread.sleep(retryPeriod.toMillis());
        }
        LOG.info("{} became the leader of {}/{}", identity, namespace, name);
        leading = true;
        onLeading.run();
        long lastRenew = System.nanoTime();
        while (true) {
            Thread.sleep(retryPeriod.toMillis());
            if (tryAcquireOrRenew()) {
                lastRenew = System.nanoTime();
            } else if (System.nanoTime() - lastRenew > leaseDuration.toNanos() * 2 / 3) {
                leading = false;
                LOG.warn("{} lost the leadership of {}/{}", identity, namespace, name);
                return;
            }
        }
    }

    public boolean isLeading() {
        return leading;
    }

    boolean tryAcquireOrRenew() {
        try {
            Optional<ObjectNode> current = api.get(ResourceTypes.LEASES, namespace, name);
            String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
            if (current.isEmpty()) {
                ObjectNode lease = Json.object();
                lease.put("apiVersion", "coordination.k8s.io/v1").put("kind", "Lease");
                lease.putObject("metadata").put("name", name).put("namespace", namespace);
                lease.putObject("spec").put("holderIdentity", identity).put("leaseDurationSeconds", leaseDuration.toSeconds())
                        .put("acquireTime", now).put("renewTime", now).put("leaseTransitions", 0);
                api.create(ResourceTypes.LEASES, namespace, lease);
                return true;
            }
            ObjectNode lease = current.get();
            ObjectNode spec = lease.with("spec");
            String record = spec.toString();
            if (!record.equals(observedRecord)) {
                observedRecord = record;
                observedAt = System.nanoTime();
            }
            String holder = spec.path("holderIdentity").asText("");
            boolean expired = System.nanoTime() - observedAt > leaseDuration.toNanos();
            if (!holder.equals(identity) && !holder.isEmpty() && !expired) {
                return false;
            }
            if (!holder.equals(identity)) {
                spec.put("holderIdentity", identity).put("acquireTime", now)
                        .put("leaseTransitions", spec.path("leaseTransitions").asInt() + 1);
            }
            spec.put("renewTime", now).put("leaseDurationSeconds", leaseDuration.toSeconds());
            ObjectNode updated = api.update(ResourceTypes.LEASES, lease);
            observedRecord = updated.path("spec").toString();
            observedAt = System.nanoTime();
            return true;
        } catch (ApiException e) {
            if (e.code() != 409) {
                LOG.debug("{}: leader election on {}/{} failed: {}", identity, namespace, name, e.getMessage());
            }
            return false;
        }
    }
}
