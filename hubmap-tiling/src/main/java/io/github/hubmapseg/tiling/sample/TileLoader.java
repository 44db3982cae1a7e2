package io.github.hubmapseg.tiling.sample;

import io.github.hubmapseg.core.slide.ImageSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.imglib2.Interval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.type.numeric.integer.UnsignedByteType;

/**
 * Reads the pixels of a tile sequence in parallel worker threads with bounded prefetch, returning them in
 * the sequence's order: at most {@code prefetch} regions are read ahead of the consumer, so memory stays
 * at {@code prefetch} tiles whatever the epoch length. The {@link ImageSource} must allow concurrent reads.
 * Close the loader to stop its threads.
 */
public final class TileLoader implements Iterator<TileLoader.Loaded>, AutoCloseable {

    /**
     * One read tile.
     *
     * @param region the full-resolution region
     * @param pixels the pixels at the loader's reduce factor, axes (x, y, c)
     */
    public record Loaded(Interval region, ArrayImg<UnsignedByteType, ByteArray> pixels) {
    }

    private final ImageSource source;
    private final Iterator<Interval> tiles;
    private final int reduce;
    private final int prefetch;
    private final ExecutorService pool;
    private final ArrayDeque<Future<Loaded>> queue = new ArrayDeque<>();

    /**
     * @param source   where to read
     * @param tiles    the regions, e.g. {@code tileSource.tiles(epoch)}
     * @param reduce   downsampling factor of the reads, {@code >= 1}
     * @param threads  worker threads, {@code >= 1}
     * @param prefetch regions read ahead, {@code >= 1}
     */
    public TileLoader(ImageSource source, Iterator<Interval> tiles, int reduce, int threads, int prefetch) {
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be >= 1, got " + prefetch);
        }
        this.source = source;
        this.tiles = tiles;
        this.reduce = reduce;
        this.prefetch = prefetch;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "tile-loader");
            t.setDaemon(true);
            return t;
        });
        fill();
    }

    private void fill() {
        while (queue.size() < prefetch && tiles.hasNext()) {
            Interval r = tiles.next();
            queue.add(pool.submit(() -> new Loaded(r, source.read(r, reduce))));
        }
    }

    @Override
    public boolean hasNext() {
        return !queue.isEmpty();
    }

    /**
     * The next tile in order.
     *
     * @throws UncheckedIOException if reading failed
     */
    @Override
    public Loaded next() {
        if (queue.isEmpty()) {
            throw new NoSuchElementException();
        }
        Future<Loaded> f = queue.poll();
        try {
            Loaded l = f.get();
            fill();
            return l;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading tiles", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(c);
        }
    }

    /** Regions currently read ahead (for tests of the bound). */
    public int inFlight() {
        return queue.size();
    }

    @Override
    public void close() {
        for (Future<Loaded> f : queue) {
            f.cancel(true);
        }
        queue.clear();
        pool.shutdownNow();
    }
}
