package dev.hawser.kvstore.server;

import dev.hawser.kvstore.raft.RaftNode;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The member's Prometheus metrics, named as etcd names them so existing dashboards work. */
final class StoreMetrics {
    private StoreMetrics() {
    }

    static PrometheusRegistry register(RaftNode raft) {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        GaugeWithCallback.builder().name("etcd_server_has_leader")
                .help("Whether or not a leader exists. 1 is existence, 0 is not.")
                .callback(cb -> cb.call(raft.hasLeader() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("etcd_server_is_leader")
                .help("Whether or not this member is a leader. 1 if is, 0 otherwise.")
                .callback(cb -> cb.call(raft.isLeader() ? 1 : 0)).register(registry);
        // Counters get their "_total" suffix from the exposition format.
        CounterWithCallback.builder().name("etcd_server_proposals_committed")
                .help("The total number of consensus proposals committed.")
                .callback(cb -> cb.call(raft.commitIndex())).register(registry);
        CounterWithCallback.builder().name("etcd_server_proposals_applied")
                .help("The total number of consensus proposals applied.")
                .callback(cb -> cb.call(raft.appliedIndex())).register(registry);
        GaugeWithCallback.builder().name("etcd_mvcc_db_total_size_in_bytes")
                .help("Total size of the underlying database physically allocated in bytes.")
                .callback(cb -> cb.call(raft.stateMachine().dbSizeBytes())).register(registry);
        GaugeWithCallback.builder().name("etcd_debugging_mvcc_current_revision")
                .help("The current revision of store.")
                .callback(cb -> cb.call(raft.stateMachine().read(kv -> kv.rev()))).register(registry);
        return registry;
    }
}
