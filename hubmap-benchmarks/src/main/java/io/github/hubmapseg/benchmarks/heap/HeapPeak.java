package io.github.hubmapseg.benchmarks.heap;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/**
 * Samples the heap every 2 ms on a daemon thread from {@link #start()} to {@link #close()}: the peak used heap (what
 * the pools hold, garbage included) and the peak live heap (what the pools held after their last collection).
 */
public final class HeapPeak implements AutoCloseable {
    private final Thread sampler;
    private long used;
    private long live;

    private HeapPeak() {
        sampler = new Thread(this::sample, "heap-peak");
        sampler.setDaemon(true);
    }

    /** @return a sampler, running */
    public static HeapPeak start() {
        HeapPeak h = new HeapPeak();
        h.sampler.start();
        return h;
    }

    private void sample() {
        while (!Thread.currentThread().isInterrupted()) {
            long l = 0;
            long u = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    MemoryUsage c = p.getCollectionUsage();
                    l += c == null ? 0 : c.getUsed();
                    u += p.getUsage().getUsed();
                }
            }
            synchronized (this) {
                live = Math.max(live, l);
                used = Math.max(used, u);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** @return the peak used heap so far, bytes */
    public synchronized long peakUsed() {
        return used;
    }

    /** @return the peak live heap (after collections) so far, bytes */
    public synchronized long peakLive() {
        return live;
    }

    /** Stops sampling (the peaks stay readable). */
    @Override
    public void close() throws InterruptedException {
        sampler.interrupt();
        sampler.join();
    }
}
