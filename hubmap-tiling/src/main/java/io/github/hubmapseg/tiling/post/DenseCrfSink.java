package io.github.hubmapseg.tiling.post;

import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import net.imglib2.FinalInterval;

/**
 * {@link DenseCrf} streamed over a slide in overlapping square patches (team B: "Patches 2560 pixels scaled to 1280
 * pixels. 512 pixels used as overlap ... DenseCRF was used to generate the final mask for each patch"): level-0
 * probability rows come in, are averaged over {@code reduce x reduce} blocks (the resolution the CRF runs at, with
 * RGB read from the slide at the same reduce), each patch's CRF marginal {@code Q_1} is kept in the patch's core
 * (overlaps split half-way between neighbouring patches) and leaves as level-0 rows (each reduced pixel repeated
 * {@code reduce x reduce} times). Patches at the right and bottom edges are clipped to the slide. The patches of a
 * strip run in parallel on {@code threads} threads, each independently (the result is the single-threaded one, bit
 * for bit). Memory: one strip of {@code patch / reduce} reduced rows plus {@code threads} patches' RGB and CRF
 * buffers ({@link #plannedBytes}).
 */
public final class DenseCrfSink implements RowSink {
    private final DenseCrf crf;
    private final ImageSource slide;
    private final int reduce;
    private final int patch;
    private final int overlap;
    private final int stride;
    private final RowSink next;
    private final int threads;
    private long width0;
    private long height0;
    private int w;
    private int h;
    /** Reduced rows from {@code base} on; the last one may be partial (still accumulating). */
    private final List<float[]> rows = new ArrayList<>();
    private int base;
    private int strip;
    private boolean done;
    private int emitted;
    private float[] band0 = new float[0];
    private long patches;

    /**
     * @param crf      the CRF settings
     * @param slide    the slide whose RGB the bilateral kernel reads (level-0 size must match the rows)
     * @param reduce   CRF resolution as a reduce factor of level 0 (team B: 2)
     * @param patch    patch side in level-0 pixels (team B 2560), a multiple of {@code reduce}
     * @param overlap  overlap of neighbouring patches in level-0 pixels (team B 512), a multiple of {@code 2 reduce},
     *                 less than {@code patch}
     * @param next     receives the level-0 rows of {@code Q_1}
     */
    public DenseCrfSink(DenseCrf crf, ImageSource slide, int reduce, int patch, int overlap, RowSink next) {
        this(crf, slide, reduce, patch, overlap, Runtime.getRuntime().availableProcessors(), next);
    }

    /**
     * @param threads patches of a strip run at once, {@code >= 1} (1: one after the other)
     * @see #DenseCrfSink(DenseCrf, ImageSource, int, int, int, RowSink)
     */
    public DenseCrfSink(DenseCrf crf, ImageSource slide, int reduce, int patch, int overlap, int threads,
                        RowSink next) {
        if (threads < 1) {
            throw new IllegalArgumentException("CRF threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.crf = Objects.requireNonNull(crf, "crf");
        this.slide = Objects.requireNonNull(slide, "slide");
        this.next = Objects.requireNonNull(next, "next");
        if (slide.channels() != 3) {
            throw new IllegalArgumentException("DenseCRF needs an RGB slide, got " + slide.channels() + " channel(s)");
        }
        if (reduce < 1 || reduce > 64) {
            throw new IllegalArgumentException("CRF reduce must be in 1..64, got " + reduce);
        }
        if (patch <= 0 || patch % reduce != 0 || patch / reduce > 8192) {
            throw new IllegalArgumentException("CRF patch must be a positive multiple of reduce=" + reduce
                    + " with at most 8192 reduced pixels a side, got " + patch);
        }
        if (overlap < 0 || overlap % (2 * reduce) != 0 || overlap >= patch) {
            throw new IllegalArgumentException("CRF overlap must be a multiple of 2 x reduce=" + 2 * reduce
                    + " in [0, patch=" + patch + "), got " + overlap);
        }
        this.reduce = reduce;
        this.patch = patch / reduce;
        this.overlap = overlap / reduce;
        this.stride = this.patch - this.overlap;
    }

    /**
     * Heap bytes the sink holds at most on a slide {@code width} level-0 pixels wide: the reduced rows of one strip and
     * its output rows, the patches' results of a strip, a level-0 band, and {@code threads} patches in flight
     * (each {@code (patch / reduce)^2} pixels of {@link DenseCrf#BYTES_PER_PIXEL} plus its input, RGB and result).
     */
    public static long plannedBytes(long width, int reduce, int patch, int overlap, int threads) {
        long w = (width + reduce - 1) / reduce;
        long p = patch / reduce;
        long strip = 4L * w * (p + 1) + 4L * w * p; // reduced rows and the strip's output rows
        long results = 4L * p * (w + (w / Math.max(1, p - overlap / reduce) + 1) * p); // every patch's Q_1 of a strip
        long perPatch = p * p * (DenseCrf.BYTES_PER_PIXEL + 4 + 6 + 4);
        return strip + results + 4L * reduce * width + threads * perPatch;
    }

    /** Threads the patches of a strip run on. */
    public int threads() {
        return threads;
    }

    /** Patches run so far. */
    public long patches() {
        return patches;
    }

    @Override
    public void begin(long width, long height) throws IOException {
        if (width != slide.width() || height != slide.height()) {
            throw new IllegalArgumentException("CRF rows are " + width + " x " + height + " but the slide is "
                    + slide.width() + " x " + slide.height());
        }
        width0 = width;
        height0 = height;
        w = Math.toIntExact((width + reduce - 1) / reduce);
        h = Math.toIntExact((height + reduce - 1) / reduce);
        next.begin(width, height);
    }

    @Override
    public void accept(long y0, int nrows, float[] band) throws IOException {
        int W = (int) width0;
        for (int j = 0; j < nrows; j++) {
            long y = y0 + j;
            int yr = (int) (y / reduce);
            while (base + rows.size() <= yr) {
                rows.add(new float[w]);
            }
            float[] acc = rows.get(yr - base);
            int o = j * W;
            for (int x = 0; x < W; x++) {
                acc[x / reduce] += band[o + x];
            }
            boolean lastOfBlock = (y + 1) % reduce == 0 || y + 1 == height0;
            if (lastOfBlock) {
                int bh = (int) (y - (long) yr * reduce + 1);
                for (int xr = 0; xr < w; xr++) {
                    int bw = (int) Math.min(reduce, width0 - (long) xr * reduce);
                    acc[xr] /= bh * bw;
                }
                drain(yr + 1);
            }
        }
    }

    /** Runs every strip whose rows are complete once {@code complete} reduced rows are. */
    private void drain(int complete) throws IOException {
        while (!done) {
            int y0 = strip * stride;
            int y1 = Math.min(y0 + patch, h);
            if (complete < y1) {
                return;
            }
            boolean last = y1 == h;
            runStrip(y0, y1, last);
            strip++;
            done = last;
        }
    }

    private void runStrip(int y0, int y1, boolean lastStrip) throws IOException {
        int ph = y1 - y0;
        int coreY0 = strip == 0 ? 0 : y0 + overlap / 2;
        int coreY1 = lastStrip ? h : y0 + patch - overlap / 2;
        float[][] out = new float[coreY1 - coreY0][w];
        List<int[]> cols = new ArrayList<>(); // x0, x1 of each patch of the strip
        for (int k = 0; ; k++) {
            int x0 = k * stride;
            int x1 = Math.min(x0 + patch, w);
            cols.add(new int[] {x0, x1});
            if (x1 == w) {
                break;
            }
        }
        List<java.util.concurrent.Callable<float[]>> tasks = new ArrayList<>();
        for (int[] c : cols) {
            int x0 = c[0];
            int x1 = c[1];
            int pw = x1 - x0;
            float[] p = new float[pw * ph];
            for (int y = 0; y < ph; y++) {
                System.arraycopy(rows.get(y0 + y - base), x0, p, y * pw, pw);
            }
            tasks.add(() -> {
                long lx0 = (long) x0 * reduce;
                long ly0 = (long) y0 * reduce;
                long lx1 = Math.min((long) x1 * reduce, width0);
                long ly1 = Math.min((long) y1 * reduce, height0);
                byte[] rgb = slide.read(new FinalInterval(new long[] {lx0, ly0}, new long[] {lx1 - 1, ly1 - 1}),
                        reduce).update(null).getCurrentStorageArray();
                return crf.infer(clamp(p), rgb, pw, ph);
            });
        }
        List<float[]> qs = run(tasks);
        for (int k = 0; k < cols.size(); k++) {
            int x0 = cols.get(k)[0];
            int pw = cols.get(k)[1] - x0;
            float[] q = qs.get(k);
            patches++;
            int cx0 = k == 0 ? 0 : x0 + overlap / 2;
            int cx1 = k == cols.size() - 1 ? w : x0 + patch - overlap / 2;
            for (int y = coreY0; y < coreY1; y++) {
                System.arraycopy(q, (y - y0) * pw + (cx0 - x0), out[y - coreY0], cx0, cx1 - cx0);
            }
        }
        emit(coreY0, out);
        int keepFrom = lastStrip ? h : (strip + 1) * stride;
        while (base < keepFrom && !rows.isEmpty()) {
            rows.remove(0);
            base++;
        }
    }

    /** Runs the patches of a strip, {@code threads} at a time; the results in order. */
    private List<float[]> run(List<java.util.concurrent.Callable<float[]>> tasks) throws IOException {
        List<float[]> out = new ArrayList<>();
        int t = Math.min(threads, tasks.size());
        if (t <= 1) {
            for (var task : tasks) {
                out.add(call(task));
            }
            return out;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(t, r -> {
            Thread th = new Thread(r, "dense-crf");
            th.setDaemon(true);
            return th;
        });
        try {
            List<java.util.concurrent.Future<float[]>> fs = new ArrayList<>();
            for (var task : tasks) {
                fs.add(pool.submit(task));
            }
            for (var f : fs) {
                try {
                    out.add(f.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while the CRF ran");
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error er) {
                        throw er;
                    }
                    throw new IllegalStateException(c);
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] call(java.util.concurrent.Callable<float[]> task) throws IOException {
        try {
            return task.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Averages of probabilities can leave [0, 1] by rounding only; the CRF refuses values outside. */
    private static float[] clamp(float[] p) {
        for (int i = 0; i < p.length; i++) {
            float v = p[i];
            if (v > 1f) {
                p[i] = 1f;
            } else if (v < 0f) {
                p[i] = 0f;
            }
        }
        return p;
    }

    private void emit(int yr0, float[][] out) throws IOException {
        int W = (int) width0;
        for (int j = 0; j < out.length; j++) {
            int yr = yr0 + j;
            if (yr != emitted) {
                throw new IllegalStateException("CRF rows out of order: " + yr + " after " + emitted);
            }
            long ly0 = (long) yr * reduce;
            int n = (int) Math.min(reduce, height0 - ly0);
            if (band0.length < n * W) {
                band0 = new float[n * W];
            }
            float[] src = out[j];
            for (int x = 0; x < W; x++) {
                band0[x] = src[x / reduce];
            }
            for (int r = 1; r < n; r++) {
                System.arraycopy(band0, 0, band0, r * W, W);
            }
            next.accept(ly0, n, band0);
            emitted++;
        }
    }

    @Override
    public void end() throws IOException {
        if (emitted != h) {
            throw new IllegalStateException("CRF received " + (base + rows.size()) + " of " + h + " reduced rows");
        }
        next.end();
    }
}
