package dev.hawser.jepsen.workload;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.checker.Linearizability;
import dev.hawser.jepsen.checker.RegisterModel;
import dev.hawser.jepsen.checker.WatchChecker;
import dev.hawser.jepsen.client.Errors;
import dev.hawser.jepsen.history.History;
import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.WatchEvent;
import dev.hawser.proto.etcdserverpb.TxnResponse;
import io.grpc.ManagedChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-key registers: linearizable Range reads, Put writes and value-compare Txn CAS, on a sliding
 * window of keys so each key's history (a checker partition) stays a few hundred operations.
 * Every written value is unique in the run.
 */
public final class RegisterWorkload implements Workload {
    static final String PREFIX = "reg/";
    static final String COMPARE_FAILED = "compare failed";
    private final int clients;
    private final int opsPerKey;
    private final long thinkMillis;
    private final Workers workers = new Workers();
    private final AtomicInteger opCount = new AtomicInteger();
    private History history;

    public RegisterWorkload(int clients, int opsPerKey, long thinkMillis) {
        this.clients = clients;
        this.opsPerKey = opsPerKey;
        this.thinkMillis = thinkMillis;
    }

    @Override
    public String name() {
        return "register";
    }

    @Override
    public Set<String> prefixes() {
        return Set.of(PREFIX);
    }

    @Override
    public void start(RunContext ctx) {
        history = ctx.newHistory();
        int[] process = new int[clients];
        Random[] rnd = new Random[clients];
        long[][] lastSeen = new long[clients][4];
        for (int i = 0; i < clients; i++) {
            process[i] = ctx.newProcess();
            rnd[i] = ctx.random("register-" + i);
        }
        workers.start("register", clients, w -> {
            Random r = rnd[w];
            int window = opCount.getAndIncrement() / (opsPerKey * 3 / 2);
            int slot = r.nextInt(3);
            String key = PREFIX + (window * 3 + slot);
            String node = ctx.pickNode(r);
            int choice = r.nextInt(10);
            ManagedChannel ch;
            try {
                ch = ctx.channel(node);
            } catch (RuntimeException e) {
                RunContext.backoff(); // removed meanwhile: nothing sent, nothing recorded
                return;
            }
            Op done = one(ctx, history, process[w], ch, node, key, choice, lastSeen[w], slot);
            if (done.type() == Op.Type.INFO) {
                process[w] = ctx.newProcess();
            }
            if (done.error() != null && !COMPARE_FAILED.equals(done.error())) {
                RunContext.backoff();
            }
            Workers.pause(thinkMillis);
        });
    }

    /** Runs one operation on {@code ch} and records it; returns the completion. */
    static Op one(RunContext ctx, History history, int process, ManagedChannel ch, String node, String key, int choice,
                  long[] lastSeen, int slot) {
        long timeout = ctx.opTimeoutMillis();
        if (choice < 5) {
            Op inv = history.invoke(process, "read", key, null, null, node);
            try {
                Long v = Kv.parse(Kv.get(ch, timeout, key, false));
                if (v != null) {
                    lastSeen[slot] = v;
                }
                return history.complete(inv, Op.Type.OK, v, null, null);
            } catch (RuntimeException e) {
                return history.complete(inv, Errors.classify(e, false), null, null, Errors.describe(e));
            }
        }
        if (choice < 8 || lastSeen[slot] == 0) {
            long v = ctx.uniqueValue();
            Op inv = history.invoke(process, "write", key, v, null, node);
            try {
                long rev = Kv.put(ch, timeout, key, Long.toString(v), 0);
                lastSeen[slot] = v;
                return history.complete(inv, Op.Type.OK, v, List.of(rev), null);
            } catch (RuntimeException e) {
                return history.complete(inv, Errors.classify(e, true), v, null, Errors.describe(e));
            }
        }
        long v = ctx.uniqueValue();
        long expected = lastSeen[slot];
        Op inv = history.invoke(process, "cas", key, v, expected, node);
        try {
            TxnResponse r = Kv.cas(ch, timeout, key, Long.toString(expected), Long.toString(v));
            if (r.getSucceeded()) {
                lastSeen[slot] = v;
                return history.complete(inv, Op.Type.OK, v, List.of(r.getHeader().getRevision()), null);
            }
            return history.complete(inv, Op.Type.FAIL, v, null, COMPARE_FAILED);
        } catch (RuntimeException e) {
            return history.complete(inv, Errors.classify(e, true), v, null, Errors.describe(e));
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
    public List<CheckResult> check(List<WatchEvent> reference) {
        List<CheckResult> out = new ArrayList<>(new Linearizability<>(new RegisterModel(), 20_000, 2_000_000)
                .check("linearizable-register", history.ops(), Op::key));
        if (reference != null) {
            out.add(WatchChecker.checkKvAgainstReference("register-vs-watch", history.ops(), reference,
                    op -> String.valueOf(op.value())));
        }
        return out;
    }
}
