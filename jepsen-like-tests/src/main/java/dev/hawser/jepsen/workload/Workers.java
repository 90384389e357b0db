package dev.hawser.jepsen.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/** A few named daemon threads that loop until stopped; each iteration is one client operation. */
final class Workers {
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    void start(String name, int count, IntConsumer iteration) {
        for (int i = 0; i < count; i++) {
            int worker = i;
            Thread t = new Thread(() -> {
                while (running) {
                    try {
                        iteration.accept(worker);
                    } catch (RuntimeException e) {
                        pause(100);
                    }
                }
            }, name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    boolean running() {
        return running;
    }

    void stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(30_000);
        }
    }

    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
