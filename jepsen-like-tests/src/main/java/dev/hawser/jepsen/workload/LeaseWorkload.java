package dev.hawser.jepsen.workload;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.checker.LeaseChecker;
import dev.hawser.jepsen.client.Errors;
import dev.hawser.jepsen.history.History;
import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.WatchEvent;
import dev.hawser.proto.etcdserverpb.LeaseGrantRequest;
import dev.hawser.proto.etcdserverpb.LeaseGrpc;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import io.grpc.ManagedChannel;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Lease expiry: unique keys attached to short leases that are never kept alive must vanish exactly once. */
public final class LeaseWorkload implements Workload {
    static final String PREFIX = "lease/";
    private final Workers workers = new Workers();
    private History history;
    private int process;
    private final Set<String> remaining = new HashSet<>();

    @Override
    public String name() {
        return "lease";
    }

    @Override
    public void start(RunContext ctx) {
        history = ctx.newHistory();
        process = ctx.newProcess();
        Random r = ctx.random("lease");
        workers.start("lease", 1, w -> {
            String node = ctx.pickNode(r);
            try {
                ManagedChannel ch = ctx.channel(node);
                long v = ctx.uniqueValue();
                long lease = LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(ctx.opTimeoutMillis(), TimeUnit.MILLISECONDS)
                        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(3).build()).getID();
                Op inv = history.invoke(process, "lease-put", PREFIX + v, v, null, node);
                try {
                    long rev = Kv.put(ch, ctx.opTimeoutMillis(), PREFIX + v, Long.toString(v), lease);
                    history.complete(inv, Op.Type.OK, v, List.of(rev), null);
                } catch (RuntimeException e) {
                    Op.Type t = Errors.classify(e, true);
                    history.complete(inv, t, v, null, Errors.describe(e));
                    if (t == Op.Type.INFO) {
                        process = ctx.newProcess();
                    }
                }
            } catch (RuntimeException e) {
                // grant failed: nothing recorded, nothing written
            }
            Workers.pause(700);
        });
    }

    @Override
    public void stop() throws InterruptedException {
        workers.stop();
    }

    /** Waits (bounded) for every leased key to expire, then records what is left. */
    @Override
    public void finish(RunContext ctx) {
        long deadline = System.nanoTime() + 40_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                String node = ctx.cluster().leader().orElseThrow();
                RangeResponse r = Kv.prefix(ctx.channel(node), 5_000, PREFIX);
                remaining.clear();
                r.getKvsList().forEach(kv -> remaining.add(kv.getKey().toStringUtf8()));
                if (remaining.isEmpty()) {
                    return;
                }
            } catch (RuntimeException e) {
                // retry
            }
            Workers.pause(1000);
        }
    }

    @Override
    public List<Op> history() {
        return history.ops();
    }

    @Override
    public Set<String> prefixes() {
        return Set.of(PREFIX);
    }

    @Override
    public List<CheckResult> check(List<WatchEvent> reference) {
        if (reference == null) {
            return List.of(CheckResult.unknown("lease", "all", "no committed history"));
        }
        return List.of(LeaseChecker.check(history.ops(), reference, remaining));
    }
}
