package dev.hawser.orchestrator.client;

import dev.hawser.orchestrator.api.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Workers draining a {@link WorkQueue} into a level-triggered reconcile function: the function reads
 * the whole current state of the key from informer caches and makes the world match it; failures
 * (including 409 conflicts from stale caches) are retried with back-off.
 */
public final class ReconcileLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);

    @FunctionalInterface
    public interface Reconciler {
        void reconcile(String key) throws Exception;
    }

    private final String name;
    private final WorkQueue queue;
    private final Reconciler reconciler;
    private final List<Thread> workers = new ArrayList<>();

    public ReconcileLoop(String name, WorkQueue queue, Reconciler reconciler, int workers) {
        this.name = name;
        this.queue = queue;
        this.reconciler = reconciler;
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, name + "-worker-" + i);
            t.setDaemon(true);
            this.workers.add(t);
        }
    }

    public ReconcileLoop start() {
        workers.forEach(Thread::start);
        return this;
    }

    private void work() {
        while (true) {
            String key;
            try {
                key = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (key == null) {
                return;
            }
            try {
                reconciler.reconcile(key);
                queue.forget(key);
            } catch (RetryLater e) {
                LOG.debug("{}: {} not done yet: {}", name, key, e.getMessage());
                queue.addRateLimited(key);
            } catch (ApiException e) {
                if (e.code() == 409) {
                    LOG.debug("{}: {} conflicted, retrying: {}", name, key, e.getMessage());
                } else {
                    LOG.warn("{}: reconciling {} failed, retrying: {}", name, key, e.getMessage());
                }
                queue.addRateLimited(key);
            } catch (Exception e) {
                LOG.warn("{}: reconciling {} failed, retrying", name, key, e);
                queue.addRateLimited(key);
            } finally {
                queue.done(key);
            }
        }
    }

    @Override
    public void close() {
        queue.shutDown();
        workers.forEach(Thread::interrupt);
    }
}
