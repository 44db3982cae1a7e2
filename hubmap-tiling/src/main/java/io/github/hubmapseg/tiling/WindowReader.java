package io.github.hubmapseg.tiling;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads the windows of a pass in batches, in order, with bounded prefetch on reader threads (0 threads: in
 * the calling thread). Windows are {@code win x win} at the tile starts minus the expansion, reflect-101 at
 * the borders: assembled from a {@link ReadAheadBand} of decoded rows when the pass has one (8-bit slides; one
 * batch ahead, on one thread, whatever the prefetch), else read one by one ({@link Rasters#readWindow}). Input
 * arrays of batches handed back with {@link #recycle} are reused (at most {@code prefetch + 1} of them). Close it
 * to stop the threads.
 */
final class WindowReader implements AutoCloseable {

    /** One batch of windows: ids are (tile row << 32 | tile col); values NCHW in float or double. */
    record Batch(long[] ids, float[] inF, double[] inD) {
    }

    private final Raster raster;
    private final List<long[]> batches;
    private final long[] xs;
    private final long[] ys;
    private final int expand;
    private final int win;
    private final boolean dbl;
    private final int prefetch;
    private final ExecutorService pool;
    private final ReadAheadBand band;
    private final ConcurrentLinkedQueue<Object> free = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Future<Batch>> inflight = new ArrayDeque<>();
    private int submitted;
    private int taken;

    /**
     * @param band the read-ahead band the windows are assembled from, or {@code null} to read each window
     */
    WindowReader(Raster raster, List<long[]> batches, TileGrid g, boolean dbl, int threads, int prefetch,
                 ReadAheadBand band) {
        this.raster = raster;
        this.band = band;
        this.batches = batches;
        this.xs = g.startsX();
        this.ys = g.startsY();
        this.expand = g.expand();
        this.win = g.windowSize();
        this.dbl = dbl;
        // with a band the band's loader reads ahead; windows are assembled one batch ahead of the predictor on one
        // thread (two batch arrays, each written just before it is predicted) instead of several batches ahead:
        // next() fills to 2 in flight and takes one, so one is assembled while the caller predicts the other
        this.prefetch = band != null ? 2 : prefetch;
        int n = band != null ? Math.min(1, threads) : threads;
        this.pool = n > 0 ? Executors.newFixedThreadPool(n, rr -> {
            Thread t = new Thread(rr, "sliding-window-reader");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    boolean hasNext() {
        return taken < batches.size();
    }

    Batch next() throws IOException {
        if (pool == null) {
            return read(batches.get(taken++));
        }
        while (submitted < batches.size() && inflight.size() < prefetch) {
            long[] ids = batches.get(submitted++);
            inflight.add(pool.submit(() -> read(ids)));
        }
        taken++;
        return get(inflight.poll());
    }

    private Batch read(long[] ids) throws IOException {
        int ch = raster.channels();
        int len = ids.length * ch * win * win;
        float[] inF = dbl ? null : (float[]) reused(len, false);
        double[] inD = dbl ? (double[]) reused(len, true) : null;
        for (int i = 0; i < ids.length; i++) {
            int r = (int) (ids[i] >>> 32);
            int c = (int) ids[i];
            if (band != null) {
                band.acquire(r);
                if (dbl) {
                    band.window(r, c, inD, i * ch * win * win);
                } else {
                    band.window(r, c, inF, i * ch * win * win);
                }
                band.release(r);
                continue;
            }
            long x = xs[c] - expand;
            long y = ys[r] - expand;
            if (dbl) {
                Rasters.readWindow(raster, x, y, win, win, inD, i * ch * win * win);
            } else {
                Rasters.readWindow(raster, x, y, win, win, inF, i * ch * win * win);
            }
        }
        return new Batch(ids, inF, inD);
    }

    /** A free input array of this length and type, or a new one. */
    private Object reused(int len, boolean dbl) {
        for (Object o = free.poll(); o != null; o = free.poll()) {
            if (dbl ? o instanceof double[] d && d.length == len : o instanceof float[] f && f.length == len) {
                return o;
            }
        }
        return dbl ? new double[len] : new float[len];
    }

    /** The batch's input array may be reused: the caller no longer reads it (nor does the predictor). */
    void recycle(Batch b) {
        if (free.size() <= prefetch) {
            free.add(b.inF() != null ? b.inF() : b.inD());
        }
    }

    private static Batch get(Future<Batch> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading windows", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new UncheckedIOException(new IOException(c));
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            for (Future<Batch> f : inflight) {
                f.cancel(true);
            }
            pool.shutdownNow();
        }
        if (band != null) {
            band.close();
        }
    }
}
