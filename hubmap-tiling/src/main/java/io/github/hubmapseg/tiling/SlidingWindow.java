package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.tiling.sink.FloatImageSink;
import io.github.hubmapseg.tiling.sink.MaskRowSink;
import io.github.hubmapseg.tiling.sink.RowSink;
import io.github.hubmapseg.tiling.sink.RowSinks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The sliding-window inference engine: runs a {@link Predictor} (or an ensemble) over a whole image tile by
 * tile and streams the blended result to a sink, top to bottom, in bands of rows. It keeps the three
 * concerns apart: <em>where</em> ({@link TileGrid}: tile T, stride S, expansion E, reflect-101 borders),
 * <em>what</em> (the {@link Predictor}) and <em>combine</em> ({@link Stitcher} with a {@link Weighting}).
 * {@link #predict(ImageSource, Predictor)} is the one-line entry point for the common case, like MONAI's
 * {@code sliding_window_inference}.
 *
 * <p>Per window: the model sees {@code (T + 2E)^2} pixels (source units, 0..255 for slides; NCHW), for each
 * test-time pose ({@link D4}) the window is transformed, predicted, logits turned into probabilities with
 * a sigmoid, the prediction transformed back, and the poses averaged; ensemble members are averaged
 * ({@link Combine#MEAN}) or vote ({@link Combine#VOTE}: a pixel is 1 where at least {@code k} members'
 * probability is above the threshold, else 0; the 0/1 tile values are then blended like probabilities).
 * Only the centre {@code T x T} of the window's prediction is kept. Windows whose output tile has no tissue
 * in the optional {@link TissueMask} are not sent to the model and predict 0.
 *
 * <p>Streaming and memory: tile rows are predicted in order; after tile row {@code r} every output row
 * above the start of tile row {@code r + 1} is final, is stitched and handed to the sink, and tile rows that
 * cover no unfinished output row are dropped. Before the pass, {@link #plan} computes (b = 4 bytes per
 * value in float, 8 in double, C channels, P = prefetched batches, B = batch size, W = T + 2E):
 * <pre>
 *   tileStore = (ceil(T / S) + 1 + ceil(B / cols)) * cols * T^2 * b
 *   batches   = (P + 1) * B * (C + 3) * W^2 * b
 *   bandRows  = clamp((budget - tileStore - batches) / (width * (b + 1)), 1, min(height, max(S, 64)))
 * </pre>
 * and refuses to start (naming the numbers) if the budget is below {@code tileStore + batches} plus one row.
 * Nothing depends on the image height: a 30000 x 25000 slide at T = 512, S = 384 needs about 0.4 GB.
 *
 * <p>Precision: {@link Precision#FLOAT} (default) computes in float32; {@link Precision#DOUBLE} reads,
 * predicts (through {@link DoublePredictor} when the predictor is one) and blends in float64, which matches
 * the conformance vectors to 1e-13.
 */
public final class SlidingWindow {

    /** Arithmetic of the pass. */
    public enum Precision {
        /** float32 everywhere (fast path). */
        FLOAT,
        /** float64 everywhere (reference path). */
        DOUBLE
    }

    /** How an ensemble's members are combined per tile. */
    public enum Combine {
        /** Mean of probabilities. */
        MEAN,
        /** k-of-n voting of thresholded probabilities. */
        VOTE
    }

    private final int tile;
    private final int stride;
    private final int expand;
    private final Weighting weighting;
    private final int batchSize;
    private final D4[] tta;
    private final Combine combine;
    private final int votes;
    private final double threshold;
    private final long minComponentSize;
    private final TissueMask tissue;
    private final long memoryBudget;
    private final int readerThreads;
    private final int prefetch;
    private final Precision precision;
    private final ProgressListener progress;
    private final int stitchThreads;

    private SlidingWindow(Builder b) {
        this.tile = b.tile;
        this.stride = b.stride;
        this.expand = b.expand;
        this.weighting = b.weighting;
        this.batchSize = b.batchSize;
        this.tta = b.tta.clone();
        this.combine = b.combine;
        this.votes = b.votes;
        this.threshold = b.threshold;
        this.minComponentSize = b.minComponentSize;
        this.tissue = b.tissue;
        this.memoryBudget = b.memoryBudget;
        this.readerThreads = b.readerThreads;
        this.prefetch = b.prefetch;
        this.precision = b.precision;
        this.progress = b.progress;
        this.stitchThreads = b.stitchThreads;
    }

    /** A builder for output tiles of {@code tileSize x tileSize} pixels (required). */
    public static Builder builder(int tileSize) {
        return new Builder(tileSize);
    }

    /** The grid this engine uses on a {@code width x height} image. */
    public TileGrid grid(long width, long height) {
        return new TileGrid(width, height, tile, stride, expand);
    }

    /** The memory plan for an image; see the class comment for the formula. */
    public MemoryPlan plan(long width, long height, int channels) {
        TileGrid g = grid(width, height);
        int cols = g.cols();
        long b = precision == Precision.FLOAT ? 4 : 8;
        long liveRows = ceilDiv(tile, stride) + 1 + ceilDiv(batchSize, cols);
        long store = liveRows * cols * (long) tile * tile * b;
        long win = g.windowSize();
        long batches = (prefetch + 1L) * batchSize * (channels + 3L) * win * win * b;
        long rowBytes = width * (b + 1);
        long left = memoryBudget - store - batches;
        if (left < rowBytes) {
            throw new IllegalArgumentException("memoryBudget " + mib(memoryBudget) + " is too small for tile " + tile
                    + ", stride " + stride + ", expand " + expand + ", batchSize " + batchSize + " on a " + width
                    + "-pixel-wide image: it needs at least " + mib(store + batches + rowBytes)
                    + " (tile rows " + mib(store) + ", batches " + mib(batches)
                    + "); raise memoryBudget or lower tileSize/batchSize");
        }
        int band = (int) Math.max(1, Math.min(Math.min(height, Math.max(stride, 64)), left / rowBytes));
        return new MemoryPlan(store, batches, band, band * width * b, memoryBudget);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Predicts a small image in memory (at most 2^31 - 9 pixels): the blended probabilities, row-major. */
    public FloatImageSink predict(ImageSource source, Predictor predictor) throws IOException {
        FloatImageSink sink = new FloatImageSink();
        run(Rasters.of(source), List.of(predictor), sink);
        return sink;
    }

    /** Runs one predictor over a slide and streams probabilities to {@code sink}. */
    public void run(ImageSource source, Predictor predictor, RowSink sink) throws IOException {
        run(Rasters.of(source), List.of(predictor), sink);
    }

    /**
     * Runs over a slide and streams the thresholded mask ({@code p >= threshold}), small components removed
     * when {@code minComponentSize > 1}.
     */
    public void runMask(ImageSource source, List<? extends Predictor> predictors, MaskRowSink sink) throws IOException {
        runMask(source, predictors, sink, null);
    }

    /**
     * {@link #runMask(ImageSource, List, MaskRowSink)} that also hands the same pass's blended values
     * (probabilities, or vote fractions when voting) to {@code values}, for example a
     * {@link io.github.hubmapseg.tiling.sink.PolygonSink} with {@link #maskThreshold()} and
     * {@link #minComponentSize()}: one inference pass, several outputs.
     *
     * @param values a second sink, or {@code null}
     */
    public void runMask(ImageSource source, List<? extends Predictor> predictors, MaskRowSink sink, RowSink values)
            throws IOException {
        MaskRowSink m = RowSinks.removeSmallComponents(minComponentSize, sink);
        RowSink mask = RowSinks.threshold(maskThreshold(), m);
        run(Rasters.of(source), predictors, values == null ? mask : RowSinks.teeValues(mask, values));
    }

    /** The threshold {@link #runMask} applies: the configured one, or 0.5 of the vote fraction when voting. */
    public double maskThreshold() {
        return combine == Combine.VOTE ? 0.5 : threshold;
    }

    /** @return windows per predictor call (the batch size) */
    public int batchSize() {
        return batchSize;
    }

    /** Components of fewer pixels are removed from {@link #runMask}'s mask (0 or 1: none). */
    public long minComponentSize() {
        return minComponentSize;
    }

    /**
     * The general entry point: any raster, one or more predictors (an ensemble), any row sink.
     *
     * @throws IOException if the raster cannot be read or the sink cannot write
     * @throws IllegalArgumentException if the predictors do not fit the raster or the geometry, naming why
     */
    public void run(Raster raster, List<? extends Predictor> predictors, RowSink sink) throws IOException {
        Objects.requireNonNull(raster, "raster");
        Objects.requireNonNull(sink, "sink");
        if (predictors == null || predictors.isEmpty()) {
            throw new IllegalArgumentException("at least one predictor is required");
        }
        if (combine == Combine.VOTE && votes > predictors.size()) {
            throw new IllegalArgumentException("vote needs k <= number of predictors, got k = " + votes + " with "
                    + predictors.size() + " predictors");
        }
        TileGrid g = grid(raster.width(), raster.height());
        int win = g.windowSize();
        for (Predictor p : predictors) {
            if (p.inputChannels() != raster.channels()) {
                throw new IllegalArgumentException("predictor expects " + p.inputChannels()
                        + " input channels, the image has " + raster.channels());
            }
            int d = p.sizeDivisor();
            if (d > 1 && win % d != 0) {
                throw new IllegalArgumentException("window size tile + 2*expand = " + win
                        + " must be a multiple of the predictor's size divisor " + d);
            }
        }
        MemoryPlan plan = plan(raster.width(), raster.height(), raster.channels());
        new Pass(g, raster, predictors, sink, plan).run();
    }

    /** One pass over one image. */
    private final class Pass {
        final TileGrid g;
        final Raster raster;
        final List<? extends Predictor> predictors;
        final RowSink sink;
        final MemoryPlan plan;
        final int rows;
        final int cols;
        final int win;
        final int ch;
        final int width;
        final int height;
        final long[] ys;
        final long[] xs;
        final boolean dbl = precision == Precision.DOUBLE;
        final Stitcher stitcher;
        final float[][][] storeF;
        final double[][][] storeD;
        final int[] stored;
        final boolean[][] skipped;
        final float[] zeroF;
        final double[] zeroD;
        long done;
        int nextOut;

        Pass(TileGrid g, Raster raster, List<? extends Predictor> predictors, RowSink sink, MemoryPlan plan) {
            this.g = g;
            this.raster = raster;
            this.predictors = predictors;
            this.sink = sink;
            this.plan = plan;
            this.ys = g.startsY();
            this.xs = g.startsX();
            this.rows = ys.length;
            this.cols = xs.length;
            this.win = g.windowSize();
            this.ch = raster.channels();
            this.width = Math.toIntExact(raster.width());
            this.height = Math.toIntExact(raster.height());
            this.stitcher = Stitcher.of(g, weighting);
            this.storeF = dbl ? null : new float[rows][][];
            this.storeD = dbl ? new double[rows][][] : null;
            this.zeroF = dbl ? null : new float[tile * tile];
            this.zeroD = dbl ? new double[tile * tile] : null;
            this.stored = new int[rows];
            this.skipped = new boolean[rows][];
        }

        /** Tiles to predict, in raster order, as (row, col) pairs packed in longs. */
        long[] work() {
            long n = 0;
            for (int r = 0; r < rows; r++) {
                skipped[r] = new boolean[cols];
                for (int c = 0; c < cols; c++) {
                    if (tissue != null && !tissue.any(g.tile(r, c).core())) {
                        skipped[r][c] = true;
                    } else {
                        n++;
                    }
                }
            }
            long[] w = new long[Math.toIntExact(n)];
            int k = 0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    if (!skipped[r][c]) {
                        w[k++] = ((long) r << 32) | c;
                    }
                }
            }
            return w;
        }

        void ensureRow(int r) {
            if (dbl ? storeD[r] != null : storeF[r] != null) {
                return;
            }
            if (dbl) {
                storeD[r] = new double[cols][];
            } else {
                storeF[r] = new float[cols][];
            }
            for (int c = 0; c < cols; c++) {
                if (skipped[r][c]) {
                    if (dbl) {
                        storeD[r][c] = zeroD;
                    } else {
                        storeF[r][c] = zeroF;
                    }
                    stored[r]++;
                    done++;
                }
            }
        }

        final class Batch {
            final long[] ids;
            final float[] inF;
            final double[] inD;

            Batch(long[] ids) throws IOException {
                this.ids = ids;
                int len = ids.length * ch * win * win;
                inF = dbl ? null : new float[len];
                inD = dbl ? new double[len] : null;
                for (int i = 0; i < ids.length; i++) {
                    int r = (int) (ids[i] >>> 32);
                    int c = (int) ids[i];
                    long x = xs[c] - expand;
                    long y = ys[r] - expand;
                    if (dbl) {
                        Rasters.readWindow(raster, x, y, win, win, inD, i * ch * win * win);
                    } else {
                        Rasters.readWindow(raster, x, y, win, win, inF, i * ch * win * win);
                    }
                }
            }
        }

        void run() throws IOException {
            long[] work = work();
            long total = (long) rows * cols;
            List<long[]> batches = new ArrayList<>();
            for (int i = 0; i < work.length; i += batchSize) {
                batches.add(Arrays.copyOfRange(work, i, Math.min(work.length, i + batchSize)));
            }
            sink.begin(width, height);
            float[] bandF = dbl ? null : new float[plan.bandRows() * width];
            double[] bandD = dbl ? new double[plan.bandRows() * width] : null;
            ExecutorService pool = readerThreads > 0 ? Executors.newFixedThreadPool(readerThreads, rr -> {
                Thread t = new Thread(rr, "sliding-window-reader");
                t.setDaemon(true);
                return t;
            }) : null;
            ArrayDeque<Future<Batch>> inflight = new ArrayDeque<>();
            int submitted = 0;
            try {
                for (int bi = 0; bi < batches.size(); bi++) {
                    while (pool != null && submitted < batches.size() && inflight.size() < prefetch) {
                        long[] ids = batches.get(submitted++);
                        inflight.add(pool.submit(() -> new Batch(ids)));
                    }
                    Batch batch;
                    if (pool == null) {
                        batch = new Batch(batches.get(bi));
                    } else {
                        batch = get(inflight.poll());
                    }
                    predictAndStore(batch);
                    progress.onProgress(done, total);
                    emitFinished(bandF, bandD);
                }
                emitFinished(bandF, bandD);
                if (nextOut != height) {
                    throw new IllegalStateException("internal: " + nextOut + " of " + height + " rows emitted");
                }
                progress.onProgress(done, total);
                sink.end();
            } finally {
                if (pool != null) {
                    for (Future<Batch> f : inflight) {
                        f.cancel(true);
                    }
                    pool.shutdownNow();
                }
            }
        }

        Batch get(Future<Batch> f) throws IOException {
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

        /** Emits every output row that no unpredicted tile row covers. */
        void emitFinished(float[] bandF, double[] bandD) throws IOException {
            int r = stitcher.firstTileRow(Math.min(nextOut, height - 1));
            int complete = -1;
            for (int k = 0; k < rows; k++) {
                ensureRowIfAllSkipped(k);
                if (stored[k] == cols) {
                    complete = k;
                } else {
                    break;
                }
            }
            if (complete < 0) {
                return;
            }
            int finished = stitcher.rowsFinishedAfter(complete);
            int band = plan.bandRows();
            while (nextOut < finished) {
                int n = Math.min(band, finished - nextOut);
                if (dbl) {
                    for (int j = 0; j < n; j++) {
                        stitcher.stitchRow(nextOut + j, storeD, bandD, j * width);
                    }
                } else {
                    stitcher.stitchRows(nextOut, n, storeF, bandF, 0, stitchThreads);
                }
                if (dbl) {
                    sink.acceptDouble(nextOut, n, bandD, width);
                } else {
                    sink.accept(nextOut, n, bandF);
                }
                nextOut += n;
            }
            int keepFrom = nextOut >= height ? rows : stitcher.firstTileRow(nextOut);
            for (int k = r; k < keepFrom; k++) {
                if (dbl) {
                    storeD[k] = null;
                } else {
                    storeF[k] = null;
                }
            }
        }

        void ensureRowIfAllSkipped(int k) {
            if (stored[k] == 0) {
                boolean all = true;
                for (boolean s : skipped[k]) {
                    all &= s;
                }
                if (all) {
                    ensureRow(k);
                }
            }
        }

        void predictAndStore(Batch b) {
            int n = b.ids.length;
            int plane = win * win;
            if (dbl) {
                double[] acc = null;
                for (Predictor p : predictors) {
                    double[] prob = ttaDouble(p, b.inD, n);
                    acc = combineInto(acc, prob, predictors.size());
                }
                finishCombine(acc, null);
                for (int i = 0; i < n; i++) {
                    int r = (int) (b.ids[i] >>> 32);
                    int c = (int) b.ids[i];
                    ensureRow(r);
                    double[] t = new double[tile * tile];
                    for (int y = 0; y < tile; y++) {
                        System.arraycopy(acc, i * plane + (y + expand) * win + expand, t, y * tile, tile);
                    }
                    storeD[r][c] = t;
                    stored[r]++;
                    done++;
                }
            } else {
                float[] acc = null;
                for (Predictor p : predictors) {
                    float[] prob = ttaFloat(p, b.inF, n);
                    acc = combineInto(acc, prob, predictors.size());
                }
                finishCombine(null, acc);
                for (int i = 0; i < n; i++) {
                    int r = (int) (b.ids[i] >>> 32);
                    int c = (int) b.ids[i];
                    ensureRow(r);
                    float[] t = new float[tile * tile];
                    for (int y = 0; y < tile; y++) {
                        System.arraycopy(acc, i * plane + (y + expand) * win + expand, t, y * tile, tile);
                    }
                    storeF[r][c] = t;
                    stored[r]++;
                    done++;
                }
            }
        }

        double[] combineInto(double[] acc, double[] prob, int m) {
            if (acc == null) {
                acc = new double[prob.length];
            }
            if (combine == Combine.VOTE) {
                for (int k = 0; k < prob.length; k++) {
                    acc[k] += prob[k] >= threshold ? 1 : 0;
                }
            } else {
                for (int k = 0; k < prob.length; k++) {
                    acc[k] += prob[k] / m;
                }
            }
            return acc;
        }

        float[] combineInto(float[] acc, float[] prob, int m) {
            if (m == 1 && combine == Combine.MEAN) {
                return prob;
            }
            if (acc == null) {
                acc = new float[prob.length];
            }
            float inv = 1f / m;
            if (combine == Combine.VOTE) {
                for (int k = 0; k < prob.length; k++) {
                    acc[k] += prob[k] >= threshold ? 1 : 0;
                }
            } else {
                for (int k = 0; k < prob.length; k++) {
                    acc[k] += prob[k] * inv;
                }
            }
            return acc;
        }

        void finishCombine(double[] accD, float[] accF) {
            if (combine != Combine.VOTE) {
                return;
            }
            if (accD != null) {
                for (int k = 0; k < accD.length; k++) {
                    accD[k] = accD[k] >= votes ? 1 : 0;
                }
            } else {
                for (int k = 0; k < accF.length; k++) {
                    accF[k] = accF[k] >= votes ? 1 : 0;
                }
            }
        }

        /** Mean over the TTA poses of the un-augmented probabilities, n planes of win x win. */
        float[] ttaFloat(Predictor p, float[] in, int n) {
            int plane = win * win;
            float[] mean = null;
            float[] aug = tta.length == 1 && tta[0] == D4.IDENTITY ? null : new float[in.length];
            for (D4 pose : tta) {
                float[] x = in;
                if (aug != null) {
                    pose.apply(in, 0, aug, 0, win, n * ch);
                    x = aug;
                }
                TileBatch out = p.predict(new TileBatch(x, n, ch, win, win));
                checkOut(out, n);
                float[] o = out.data();
                if (p.outputsLogits()) {
                    for (int k = 0; k < o.length; k++) {
                        o[k] = (float) (1.0 / (1.0 + Math.exp(-o[k])));
                    }
                }
                if (pose != D4.IDENTITY) {
                    float[] back = new float[o.length];
                    pose.invert(o, 0, back, 0, win, n);
                    o = back;
                }
                if (tta.length == 1) {
                    return o == in ? o.clone() : o;
                }
                if (mean == null) {
                    mean = new float[n * plane];
                }
                for (int k = 0; k < mean.length; k++) {
                    mean[k] += o[k];
                }
            }
            float inv = 1f / tta.length;
            for (int k = 0; k < mean.length; k++) {
                mean[k] *= inv;
            }
            return mean;
        }

        double[] ttaDouble(Predictor p, double[] in, int n) {
            int plane = win * win;
            double[] mean = new double[n * plane];
            double[] aug = new double[in.length];
            for (D4 pose : tta) {
                pose.apply(in, 0, aug, 0, win, n * ch);
                double[] o;
                if (p instanceof DoublePredictor dp) {
                    o = dp.predict(aug, n, win, win);
                    if (o.length != n * plane) {
                        throw new IllegalStateException("predictor returned " + o.length + " values, expected "
                                + n * plane + " (N=" + n + ", C=1, H=W=" + win + ")");
                    }
                } else {
                    float[] f = new float[aug.length];
                    for (int k = 0; k < f.length; k++) {
                        f[k] = (float) aug[k];
                    }
                    TileBatch out = p.predict(new TileBatch(f, n, ch, win, win));
                    checkOut(out, n);
                    o = new double[n * plane];
                    for (int k = 0; k < o.length; k++) {
                        o[k] = out.data()[k];
                    }
                }
                if (p.outputsLogits()) {
                    for (int k = 0; k < o.length; k++) {
                        o[k] = 1.0 / (1.0 + Math.exp(-o[k]));
                    }
                }
                double[] back = new double[o.length];
                pose.invert(o, 0, back, 0, win, n);
                for (int k = 0; k < mean.length; k++) {
                    mean[k] += back[k];
                }
            }
            if (tta.length > 1) {
                for (int k = 0; k < mean.length; k++) {
                    mean[k] /= tta.length;
                }
            }
            return mean;
        }

        void checkOut(TileBatch out, int n) {
            if (out == null || out.size() != n || out.channels() != 1 || out.height() != win || out.width() != win) {
                throw new IllegalStateException("predictor must return (N=" + n + ", C=1, H=" + win + ", W=" + win
                        + "), got " + (out == null ? "null" : "(N=" + out.size() + ", C=" + out.channels() + ", H="
                        + out.height() + ", W=" + out.width() + ")"));
            }
        }
    }

    /** Builder: the tile size is required, everything else has a default. */
    public static final class Builder {
        private final int tile;
        private int stride = -1;
        private double overlap = 0.25;
        private int expand;
        private Weighting weighting = Weighting.gaussian();
        private int batchSize = 4;
        private D4[] tta = {D4.IDENTITY};
        private Combine combine = Combine.MEAN;
        private int votes = 1;
        private double threshold = 0.5;
        private long minComponentSize;
        private TissueMask tissue;
        private long memoryBudget = Math.min(1L << 30, (long) (Runtime.getRuntime().maxMemory() * 0.6));
        private int readerThreads = 2;
        private int prefetch = -1;
        private Precision precision = Precision.FLOAT;
        private ProgressListener progress = ProgressListener.none();
        private int stitchThreads = Runtime.getRuntime().availableProcessors();

        private Builder(int tile) {
            this.tile = tile;
        }

        /** Distance between tile starts in pixels, {@code 1..tileSize}; overrides {@link #overlap}. */
        public Builder stride(int stride) {
            this.stride = stride;
            return this;
        }

        /** Overlap as a fraction of the tile in {@code [0, 1)}: stride = max(1, round(T * (1 - overlap))). Default 0.25. */
        public Builder overlap(double overlap) {
            this.overlap = overlap;
            this.stride = -1;
            return this;
        }

        /** Expansion E of the model window on every side (3rd place: "expansion tiles"), default 0. */
        public Builder expand(int expand) {
            this.expand = expand;
            return this;
        }

        /** Blending of overlaps, default {@link Weighting#gaussian()}. */
        public Builder weighting(Weighting weighting) {
            this.weighting = weighting;
            return this;
        }

        /** Windows per predictor call, default 4. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Test-time poses (distinct), default identity only; {@code D4.values()} for all 8. */
        public Builder tta(D4... poses) {
            this.tta = poses == null ? null : poses.clone();
            return this;
        }

        /** Mean of the ensemble's probabilities (default). */
        public Builder mean() {
            this.combine = Combine.MEAN;
            return this;
        }

        /** k-of-n voting of the members' thresholded probabilities. */
        public Builder vote(int k) {
            this.combine = Combine.VOTE;
            this.votes = k;
            return this;
        }

        /** Mask threshold ({@code p >= threshold}), default 0.5; also the members' threshold when voting. */
        public Builder threshold(double threshold) {
            this.threshold = threshold;
            return this;
        }

        /** Mask components (8-connected) smaller than this many pixels are removed by {@code runMask}; default 0. */
        public Builder minComponentSize(long pixels) {
            this.minComponentSize = pixels;
            return this;
        }

        /** Skip windows whose output tile has no tissue in this mask (they predict 0). */
        public Builder tissue(TissueMask mask) {
            this.tissue = mask;
            return this;
        }

        /** Heap budget in bytes for one pass (see the class comment); default min(1 GiB, 60 % of max heap). */
        public Builder memoryBudget(long bytes) {
            this.memoryBudget = bytes;
            return this;
        }

        /** Threads reading windows ahead of the model; 0 reads in the calling thread. Default 2. */
        public Builder readerThreads(int threads) {
            this.readerThreads = threads;
            return this;
        }

        /** Batches read ahead (bounded prefetch); default 2 per reader thread. */
        public Builder prefetchBatches(int batches) {
            this.prefetch = batches;
            return this;
        }

        /** Arithmetic precision, default {@link Precision#FLOAT}. */
        public Builder precision(Precision precision) {
            this.precision = precision;
            return this;
        }

        /** Threads that stitch the rows of a band (float path), default the number of processors. */
        public Builder stitchThreads(int threads) {
            this.stitchThreads = threads;
            return this;
        }

        /** Progress callback, default none. */
        public Builder progress(ProgressListener listener) {
            this.progress = listener;
            return this;
        }

        /** Validates the options and names the first that is wrong. */
        public SlidingWindow build() {
            if (tile <= 0) {
                throw new IllegalArgumentException("tileSize must be > 0, got " + tile);
            }
            if (stride < 0) {
                if (!(overlap >= 0 && overlap < 1)) {
                    throw new IllegalArgumentException("overlap must be in [0, 1), got " + overlap);
                }
                stride = (int) Math.max(1, Math.round(tile * (1 - overlap)));
            }
            if (stride == 0 || stride > tile) {
                throw new IllegalArgumentException("stride must be in 1.." + tile + " (the tile size), got " + stride);
            }
            if (expand < 0) {
                throw new IllegalArgumentException("expand must be >= 0, got " + expand);
            }
            if ((long) tile + 2L * expand > 46340) {
                throw new IllegalArgumentException("window tile + 2*expand must be <= 46340, got " + (tile + 2L * expand));
            }
            Objects.requireNonNull(weighting, "weighting");
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
            }
            if (tta == null || tta.length == 0) {
                throw new IllegalArgumentException("tta must list at least one pose (D4.IDENTITY for none)");
            }
            if (java.util.EnumSet.copyOf(Arrays.asList(tta)).size() != tta.length) {
                throw new IllegalArgumentException("tta poses must be distinct, got " + Arrays.toString(tta));
            }
            if (combine == Combine.VOTE && votes < 1) {
                throw new IllegalArgumentException("vote k must be >= 1, got " + votes);
            }
            if (Double.isNaN(threshold)) {
                throw new IllegalArgumentException("threshold must be a number, got NaN");
            }
            if (minComponentSize < 0) {
                throw new IllegalArgumentException("minComponentSize must be >= 0, got " + minComponentSize);
            }
            if (memoryBudget <= 0) {
                throw new IllegalArgumentException("memoryBudget must be > 0 bytes, got " + memoryBudget);
            }
            if (readerThreads < 0) {
                throw new IllegalArgumentException("readerThreads must be >= 0, got " + readerThreads);
            }
            if (prefetch < 0) {
                prefetch = Math.max(1, 2 * readerThreads);
            } else if (prefetch == 0 && readerThreads > 0) {
                throw new IllegalArgumentException("prefetchBatches must be >= 1 with reader threads, got 0");
            }
            if (stitchThreads < 1) {
                throw new IllegalArgumentException("stitchThreads must be >= 1, got " + stitchThreads);
            }
            Objects.requireNonNull(precision, "precision");
            Objects.requireNonNull(progress, "progress");
            return new SlidingWindow(this);
        }
    }
}
