package dev.hawser.jepsen.workload;

import dev.hawser.jepsen.checker.CheckResult;
import dev.hawser.jepsen.checker.WatchChecker;
import dev.hawser.jepsen.history.Op;
import dev.hawser.jepsen.history.WatchEvent;
import dev.hawser.jepsen.history.WatchLog;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Watchers over every key, each starting at revision 1. When a stream breaks or goes silent
 * (no answer to progress requests for a while) the watcher resumes on another member from its
 * last seen revision + 1, as etcd clients do. Checked against the committed history.
 */
public final class WatchWorkload implements Workload {
    private final int watchers;
    private final List<WatchLog> logs = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    private volatile long catchUpTo = Long.MAX_VALUE;

    public WatchWorkload(int watchers) {
        this.watchers = watchers;
    }

    @Override
    public String name() {
        return "watch";
    }

    @Override
    public void start(RunContext ctx) {
        for (int i = 0; i < watchers; i++) {
            WatchLog log = new WatchLog("watcher-" + i);
            logs.add(log);
            Random r = ctx.random("watch-" + i);
            Thread t = new Thread(() -> loop(ctx, log, r), "watcher-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void loop(RunContext ctx, WatchLog log, Random r) {
        while (running || log.lastRevision() < catchUpTo) {
            if (!running && catchUpTo == Long.MAX_VALUE) {
                return;
            }
            long start = log.lastRevision() + 1;
            String node = ctx.pickNode(r);
            Watches.Stream s;
            try {
                s = Watches.open(ctx.channel(node), start, log::add);
            } catch (RuntimeException e) {
                Workers.pause(200);
                continue;
            }
            log.startSegment(start);
            long lastProgress = System.nanoTime();
            while (!s.done() && (running || log.lastRevision() < catchUpTo)) {
                Workers.pause(100);
                if (System.nanoTime() - lastProgress > 3_000_000_000L) {
                    s.requestProgress();
                    lastProgress = System.nanoTime();
                }
                if (s.idleMillis() > 8_000) {
                    break; // silent member (paused or cut off): resume elsewhere
                }
            }
            s.close();
            Workers.pause(100);
        }
    }

    @Override
    public void stop() {
        // watchers keep running until finish() has let them catch up
    }

    /** Lets every watcher catch up to {@code revision}, then stops them. */
    public void catchUp(long revision, long timeoutMillis) throws InterruptedException {
        catchUpTo = revision;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline && logs.stream().anyMatch(l -> l.lastRevision() < revision)) {
            Thread.sleep(100);
        }
        running = false;
        catchUpTo = 0;
        for (Thread t : threads) {
            t.join(15_000);
        }
    }

    public List<WatchLog> logs() {
        return logs;
    }

    @Override
    public List<Op> history() {
        return List.of();
    }

    @Override
    public List<CheckResult> check(List<WatchEvent> reference) {
        if (reference == null) {
            return List.of(CheckResult.unknown("watch", "all", "no committed history to compare with"));
        }
        return WatchChecker.check(reference, logs);
    }
}
