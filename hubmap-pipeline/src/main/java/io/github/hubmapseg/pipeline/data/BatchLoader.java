package io.github.hubmapseg.pipeline.data;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongUnaryOperator;

/**
 * Loads the batches of a tile list in background threads, at most {@code prefetch} batches ahead of the
 * consumer, returning them in order (so results do not depend on thread timing). Memory: {@code prefetch + 1}
 * batches. Close it to stop the threads.
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {
    private final TrainingTiles tiles;
    private final List<SlideTile> list;
    private final int batchSize;
    private final int prefetch;
    private final LongUnaryOperator sampleSeed;
    private final ExecutorService pool;
    private final ArrayDeque<Future<Batch>> queue = new ArrayDeque<>();
    private int submitted;

    BatchLoader(TrainingTiles tiles, List<SlideTile> list, int batchSize, int threads, int prefetch,
                LongUnaryOperator sampleSeed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be >= 1, got " + prefetch);
        }
        this.tiles = tiles;
        this.list = List.copyOf(list);
        this.batchSize = batchSize;
        this.prefetch = prefetch;
        this.sampleSeed = sampleSeed;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "hubmap-batch-loader");
            t.setDaemon(true);
            return t;
        });
        fill();
    }

    /** @return number of batches in total */
    public int batchCount() {
        return (list.size() + batchSize - 1) / batchSize;
    }

    private void fill() {
        while (queue.size() < prefetch && submitted < batchCount()) {
            int b = submitted++;
            queue.add(pool.submit(() -> load(b)));
        }
    }

    private Batch load(int b) throws IOException {
        int from = b * batchSize;
        int n = Math.min(batchSize, list.size() - from);
        int t = sampleSeed == null ? tiles.tile() : tiles.outputTile(); // augmentation may crop
        int c = tiles.normalization().channels();
        float[] img = new float[n * t * t * c];
        float[] msk = new float[n * t * t];
        for (int i = 0; i < n; i++) {
            tiles.load(list.get(from + i), sampleSeed == null ? null : sampleSeed.applyAsLong(from + i), img, msk, i);
        }
        return new Batch(img, msk, n, t, t, c);
    }

    @Override
    public boolean hasNext() {
        return !queue.isEmpty();
    }

    @Override
    public Batch next() {
        Future<Batch> f = queue.poll();
        if (f == null) {
            throw new NoSuchElementException();
        }
        try {
            Batch b = f.get();
            fill();
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading a batch", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw new java.io.UncheckedIOException(io);
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c);
        }
    }

    @Override
    public void close() {
        for (Future<Batch> f : queue) {
            f.cancel(true);
        }
        queue.clear();
        pool.shutdownNow();
    }
}
