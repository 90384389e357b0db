package dev.hawser.bench.load;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load, as etcd's benchmark tool makes it: {@code clients} logical clients, each with at most one
 * request outstanding, sending the next request as soon as the previous one completes (or when the optional
 * global rate limit lets it). Nothing blocks: completions arrive on gRPC threads and chain the next send. The
 * run stops issuing when {@code total} requests were issued or {@code duration} elapsed, whichever comes first,
 * and ends when every outstanding request has completed.
 */
public final class LoadRunner {
    /**
     * @param total    requests to issue; {@code Long.MAX_VALUE} for "until the duration ends"
     * @param duration how long to issue requests; {@code null} for "until total"
     * @param rate     requests per second over all clients; 0 for no limit
     */
    public record Plan(String name, int clients, long total, Duration duration, double rate, Progress progress) {
        public Plan {
            if (clients < 1 || total < 1 || (total == Long.MAX_VALUE && duration == null)) {
                throw new IllegalArgumentException("bad plan " + clients + "/" + total + "/" + duration);
            }
        }
    }

    /** Send depth on this thread: a completion that fires inside its own send is bounced to the timer thread. */
    private static final ThreadLocal<int[]> SENDING = ThreadLocal.withInitial(() -> new int[1]);

    private final Plan plan;
    private final Operation op;
    private final ScheduledExecutorService timer;
    private final AtomicLong issued = new AtomicLong();
    private final CountDownLatch clientsDone;
    private LatencyRecorder recorder;
    private Pacer pacer;
    private long deadlineNanos;

    private LoadRunner(Plan plan, Operation op, ScheduledExecutorService timer) {
        this.plan = plan;
        this.op = op;
        this.timer = timer;
        this.clientsDone = new CountDownLatch(plan.clients());
    }

    /** Runs the plan and returns its result. */
    public static RunResult run(Plan plan, Operation op) throws InterruptedException {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-timer");
            t.setDaemon(true);
            return t;
        });
        try {
            return new LoadRunner(plan, op, timer).execute();
        } finally {
            timer.shutdownNow();
        }
    }

    private RunResult execute() throws InterruptedException {
        long start = System.nanoTime();
        recorder = new LatencyRecorder(start);
        deadlineNanos = plan.duration() == null ? Long.MAX_VALUE : start + plan.duration().toNanos();
        pacer = plan.rate() > 0 ? new Pacer(plan.rate(), start) : null;
        ScheduledFuture<?> sampler = timer.scheduleAtFixedRate(() -> recorder.sample(System.nanoTime()),
                1, 1, TimeUnit.SECONDS);
        ProgressView progress = plan.progress().open(plan.name(), plan.total(), plan.duration());
        ScheduledFuture<?> ticker = timer.scheduleAtFixedRate(
                () -> progress.update(recorder.completed(), System.nanoTime() - start), 200, 200, TimeUnit.MILLISECONDS);
        try {
            for (int c = 0; c < plan.clients(); c++) {
                next(c);
            }
            clientsDone.await();
        } finally {
            ticker.cancel(false);
            sampler.cancel(false);
            progress.update(recorder.completed(), System.nanoTime() - start);
            progress.close();
        }
        return recorder.finish(plan.name(), recorder.lastEventNanos());
    }

    private void next(int client) {
        long now = System.nanoTime();
        if (now >= deadlineNanos) {
            clientsDone.countDown();
            return;
        }
        long seq = issued.getAndIncrement();
        if (seq >= plan.total()) {
            clientsDone.countDown();
            return;
        }
        long wait = pacer == null ? 0 : pacer.reserve(now);
        if (wait > 0) {
            timer.schedule(() -> send(client, seq), wait, TimeUnit.NANOSECONDS);
        } else {
            send(client, seq);
        }
    }

    private void send(int client, long seq) {
        long sent = System.nanoTime();
        int[] depth = SENDING.get();
        depth[0]++;
        try {
            op.send(client, seq, error -> {
                long now = System.nanoTime();
                if (error == null) {
                    recorder.success(now - sent, now);
                } else {
                    recorder.error(error, now);
                }
                continueWith(client);
            });
        } catch (RuntimeException e) {
            recorder.error(e, System.nanoTime());
            continueWith(client);
        } finally {
            depth[0]--;
        }
    }

    /** Next request of {@code client}, without growing the stack when a request completed synchronously. */
    private void continueWith(int client) {
        if (SENDING.get()[0] > 0) {
            timer.execute(() -> next(client));
        } else {
            next(client);
        }
    }
}
