package dev.hawser.jepsen.workload;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.checker.LockChecker;
import dev.hawser.jepsen.client.Errors;
import dev.hawser.jepsen.history.History;
import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.WatchEvent;
import dev.hawser.proto.etcdserverpb.Compare;
import dev.hawser.proto.etcdserverpb.LeaseGrantRequest;
import dev.hawser.proto.etcdserverpb.LeaseGrpc;
import dev.hawser.proto.etcdserverpb.LeaseRevokeRequest;
import dev.hawser.proto.etcdserverpb.PutRequest;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import dev.hawser.proto.etcdserverpb.RequestOp;
import dev.hawser.proto.etcdserverpb.TxnRequest;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import dev.hawser.proto.v3lockpb.LockGrpc;
import dev.hawser.proto.v3lockpb.LockRequest;
import dev.hawser.proto.v3lockpb.LockResponse;
import dev.hawser.proto.v3lockpb.UnlockRequest;
import io.grpc.ManagedChannel;

import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Locks with fencing tokens: Lock (v3lockpb) on a short lease, token = the lock key's create
 * revision, then one write to a protected register guarded by "stored token < mine"
 * (zero-padded, so byte order is numeric order), then Unlock. Sometimes the released holder
 * retries its write with the old token: the guard must reject it.
 */
public final class LockWorkload implements Workload {
    static final String LOCK = "lock/L";
    static final String FENCE = "fence/token";
    private final int clients;
    private final Workers workers = new Workers();
    private History history;

    public LockWorkload(int clients) {
        this.clients = clients;
    }

    @Override
    public String name() {
        return "lock";
    }

    static String pad(long token) {
        return String.format("%020d", token);
    }

    @Override
    public void start(RunContext ctx) {
        history = ctx.newHistory();
        Kv.put(ctx.channel(ctx.cluster().leader().orElseThrow()), 5_000, FENCE, pad(0), 0);
        int[] process = new int[clients];
        Random[] rnd = new Random[clients];
        for (int i = 0; i < clients; i++) {
            process[i] = ctx.newProcess();
            rnd[i] = ctx.random("lock-" + i);
        }
        workers.start("lock", clients, w -> {
            if (round(ctx, rnd[w], process[w])) {
                process[w] = ctx.newProcess();
                RunContext.backoff();
            }
            Workers.pause(50);
        });
    }

    /** One acquire / fenced write / release round; returns true if the process must be retired (INFO). */
    private boolean round(RunContext ctx, Random r, int process) {
        String node = ctx.pickNode(r);
        ManagedChannel ch;
        try {
            ch = ctx.channel(node);
        } catch (RuntimeException e) {
            RunContext.backoff(); // removed meanwhile
            return false;
        }
        long timeout = ctx.opTimeoutMillis();
        long lease;
        try {
            lease = LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(timeout, TimeUnit.MILLISECONDS)
                    .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(5).build()).getID();
        } catch (RuntimeException e) {
            Workers.pause(200);
            return false;
        }
        Op inv = history.invoke(process, "acquire", LOCK, null, null, node);
        long token;
        String key;
        try {
            LockResponse lr = LockGrpc.newBlockingStub(ch).withDeadlineAfter(timeout * 2, TimeUnit.MILLISECONDS)
                    .lock(LockRequest.newBuilder().setName(Kv.bs(LOCK)).setLease(lease).build());
            key = lr.getKey().toStringUtf8();
            RangeResponse rr = Kv.get(ch, timeout, key, false);
            if (rr.getKvsCount() == 0) {
                history.complete(inv, Op.Type.INFO, null, null, "lock key gone before use (lease expired)");
                return true;
            }
            token = rr.getKvs(0).getCreateRevision();
            history.complete(inv, Op.Type.OK, token, null, null);
        } catch (RuntimeException e) {
            history.complete(inv, Op.Type.INFO, null, null, Errors.describe(e));
            revoke(ch, lease);
            return true;
        }
        boolean retire = fencedWrite(ctx, ch, node, process, token, "fenced-write");
        try {
            LockGrpc.newBlockingStub(ch).withDeadlineAfter(timeout, TimeUnit.MILLISECONDS)
                    .unlock(UnlockRequest.newBuilder().setKey(Kv.bs(key)).build());
        } catch (RuntimeException e) {
            // the lease expiry releases it anyway
        }
        revoke(ch, lease);
        if (!retire && r.nextInt(3) == 0) {
            retire = fencedWrite(ctx, ch, node, process, token, "stale-write");
        }
        return retire;
    }

    private boolean fencedWrite(RunContext ctx, ManagedChannel ch, String node, int process, long token, String f) {
        Op inv = history.invoke(process, f, FENCE, token, null, node);
        try {
            TxnResponse r = Kv.stub(ch, ctx.opTimeoutMillis()).txn(TxnRequest.newBuilder()
                    .addCompare(Compare.newBuilder().setKey(Kv.bs(FENCE)).setTarget(Compare.CompareTarget.VALUE)
                            .setResult(Compare.CompareResult.LESS).setValue(Kv.bs(pad(token))))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(Kv.bs(FENCE)).setValue(Kv.bs(pad(token)))))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(Kv.bs("fence/data"))
                            .setValue(Kv.bs("p" + process + "-t" + token))))
                    .build());
            if (r.getSucceeded()) {
                history.complete(inv, Op.Type.OK, token, List.of(r.getHeader().getRevision()), null);
            } else {
                history.complete(inv, Op.Type.FAIL, token, null, "rejected: token not above the stored one");
            }
            return false;
        } catch (RuntimeException e) {
            Op.Type t = Errors.classify(e, true);
            history.complete(inv, t, token, null, Errors.describe(e));
            return t == Op.Type.INFO;
        }
    }

    private static void revoke(ManagedChannel ch, long lease) {
        try {
            LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());
        } catch (RuntimeException e) {
            // expires on its own
        }
    }

    @Override
    public void stop() throws InterruptedException {
        workers.stop();
    }

    @Override
    public List<Op> history() {
        return history.ops();
    }

    @Override
    public Set<String> prefixes() {
        return Set.of("fence/");
    }

    @Override
    public List<CheckResult> check(List<WatchEvent> reference) {
        return List.of(LockChecker.check(history.ops()));
    }
}
