package dev.hawser.orchestrator.client;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * client-go's rate-limited work queue: a key is queued at most once however often it is added, is
 * never handed to two workers at once (an add during processing queues it again afterwards), and a
 * failing key comes back after a per-key exponential back-off (5 ms doubling, capped).
 */
public final class WorkQueue {
    private static final long BASE_DELAY_MILLIS = 5;
    private final long maxDelayMillis;
    private final LinkedHashSet<String> queue = new LinkedHashSet<>();
    private final Set<String> dirty = new HashSet<>();
    private final Set<String> processing = new HashSet<>();
    private final Map<String, Integer> failures = new HashMap<>();
    private final ScheduledExecutorService delays;
    private boolean shutDown;

    public WorkQueue(String name, Duration maxDelay) {
        this.maxDelayMillis = maxDelay.toMillis();
        this.delays = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name + "-delays");
            t.setDaemon(true);
            return t;
        });
    }

    public WorkQueue(String name) {
        this(name, Duration.ofSeconds(60));
    }

    public synchronized void add(String key) {
        if (shutDown || !dirty.add(key)) {
            return;
        }
        if (!processing.contains(key)) {
            queue.add(key);
            notifyAll();
        }
    }

    public void addAfter(String key, Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        delays.schedule(() -> add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void addRateLimited(String key) {
        int n;
        synchronized (this) {
            n = failures.merge(key, 1, Integer::sum);
        }
        long delay = BASE_DELAY_MILLIS << Math.min(n - 1, 30);
        addAfter(key, Duration.ofMillis(Math.min(delay, maxDelayMillis)));
    }

    public synchronized void forget(String key) {
        failures.remove(key);
    }

    /** The next key; blocks until there is one. Null once shut down. */
    public synchronized String take() throws InterruptedException {
        while (queue.isEmpty() && !shutDown) {
            wait();
        }
        if (shutDown) {
            return null;
        }
        String key = queue.iterator().next();
        queue.remove(key);
        dirty.remove(key);
        processing.add(key);
        return key;
    }

    public synchronized void done(String key) {
        processing.remove(key);
        if (dirty.contains(key)) {
            queue.add(key);
            notifyAll();
        }
    }

    public synchronized int length() {
        return queue.size();
    }

    public synchronized void shutDown() {
        shutDown = true;
        delays.shutdownNow();
        notifyAll();
    }
}
