package dev.hawser.jepsen.workload;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.checker.SetChecker;
import dev.hawser.jepsen.checker.WatchChecker;
import dev.hawser.jepsen.client.Errors;
import dev.hawser.jepsen.history.History;
import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.WatchEvent;
import dev.hawser.proto.etcdserverpb.RangeResponse;
import io.grpc.ManagedChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Set: each add puts a unique element as its own key under set/; one final linearizable read of the prefix. */
public final class SetWorkload implements Workload {
    static final String PREFIX = "set/";
    private final Workers workers = new Workers();
    private final long thinkMillis;
    private History history;
    private int process;

    public SetWorkload(long thinkMillis) {
        this.thinkMillis = thinkMillis;
    }

    @Override
    public String name() {
        return "set";
    }

    @Override
    public Set<String> prefixes() {
        return Set.of(PREFIX);
    }

    @Override
    public void start(RunContext ctx) {
        history = ctx.newHistory();
        process = ctx.newProcess();
        Random r = ctx.random("set");
        workers.start("set", 1, w -> {
            String node = ctx.pickNode(r);
            ManagedChannel ch;
            try {
                ch = ctx.channel(node);
            } catch (RuntimeException e) {
                RunContext.backoff(); // removed meanwhile: nothing sent, nothing recorded
                return;
            }
            long v = ctx.uniqueValue();
            Op inv = history.invoke(process, "add", PREFIX + v, v, null, node);
            try {
                long rev = Kv.put(ch, ctx.opTimeoutMillis(), PREFIX + v, Long.toString(v), 0);
                history.complete(inv, Op.Type.OK, v, List.of(rev), null);
            } catch (RuntimeException e) {
                Op.Type t = Errors.classify(e, true);
                history.complete(inv, t, v, null, Errors.describe(e));
                if (t == Op.Type.INFO) {
                    process = ctx.newProcess();
                }
                RunContext.backoff();
            }
            Workers.pause(thinkMillis);
        });
    }

    @Override
    public void stop() throws InterruptedException {
        workers.stop();
    }

    @Override
    public void finish(RunContext ctx) {
        process = ctx.newProcess();
        for (int attempt = 0; attempt < 20; attempt++) {
            String node = ctx.cluster().leader().orElse(ctx.cluster().names().get(0));
            Op inv = history.invoke(process, "read-all", null, null, null, node);
            try {
                RangeResponse r = Kv.prefix(ctx.channel(node), 5_000, PREFIX);
                List<Long> vals = new ArrayList<>();
                r.getKvsList().forEach(kv -> vals.add(Long.parseLong(kv.getValue().toStringUtf8())));
                history.complete(inv, Op.Type.OK, null, vals, null);
                return;
            } catch (RuntimeException e) {
                history.complete(inv, Op.Type.FAIL, null, null, Errors.describe(e));
                Workers.pause(500);
            }
        }
    }

    @Override
    public List<Op> history() {
        return history.ops();
    }

    @Override
    public List<CheckResult> check(List<WatchEvent> reference) {
        List<CheckResult> out = new ArrayList<>();
        out.add(SetChecker.check(history.ops()));
        if (reference != null) {
            out.add(WatchChecker.checkKvAgainstReference("set-vs-watch", history.ops(), reference, op -> String.valueOf(op.value())));
        }
        return out;
    }
}
