package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One pass of one predictor over one raster on one {@link TileGrid}, step by step: {@link #begin()}, then
 * {@link #step()} (one batch: read, predict, store the tile centres, stitch and emit every finished row) until it
 * returns {@code false}, then {@link #close()}. Stepping lets {@link Engine} advance several members over the
 * same slide in lockstep. The predictor returns probabilities or logits; nothing else (poses, scale,
 * combination) is known here.
 */
final class Pass implements AutoCloseable {
    private final SlidingWindow sw;
    private final TileGrid g;
    private final Raster raster;
    private final Predictor predictor;
    private final RowSink sink;
    private final MemoryPlan plan;
    private final ProgressListener progress;
    private final int rows;
    private final int cols;
    private final int win;
    private final int tile;
    private final int expand;
    private final int ch;
    private final int width;
    private final int height;
    private final boolean dbl;
    private final Stitcher stitcher;
    private final float[][][] storeF;
    private final double[][][] storeD;
    private final int[] stored;
    private final boolean[][] skipped;
    private final float[] zeroF;
    /** Tile arrays of dropped tile rows, reused for new predictions (fewer than the planned tile store). */
    private final List<float[]> freeTiles = new ArrayList<>();
    private final double[] zeroD;
    private WindowReader reader;
    private float[] bandF;
    private double[] bandD;
    private long done;
    private long total;
    private int nextOut;
    private boolean ended;

    Pass(SlidingWindow sw, TileGrid g, Raster raster, Predictor predictor, RowSink sink, MemoryPlan plan,
         ProgressListener progress) {
        this.sw = sw;
        this.g = g;
        this.raster = raster;
        this.predictor = predictor;
        this.sink = sink;
        this.plan = plan;
        this.progress = progress;
        this.rows = g.rows();
        this.cols = g.cols();
        this.win = g.windowSize();
        this.tile = g.tile();
        this.expand = g.expand();
        this.ch = raster.channels();
        this.width = Math.toIntExact(raster.width());
        this.height = Math.toIntExact(raster.height());
        this.dbl = sw.precision() == SlidingWindow.Precision.DOUBLE;
        this.stitcher = Stitcher.of(g, sw.weighting());
        this.storeF = dbl ? null : new float[rows][][];
        this.storeD = dbl ? new double[rows][][] : null;
        this.zeroF = dbl ? null : new float[tile * tile];
        this.zeroD = dbl ? new double[tile * tile] : null;
        this.stored = new int[rows];
        this.skipped = new boolean[rows][];
    }

    /** The grid of this pass. */
    TileGrid grid() {
        return g;
    }

    /** The memory plan of this pass. */
    MemoryPlan plan() {
        return plan;
    }

    /** Windows predicted so far plus windows skipped by the tissue mask. */
    long done() {
        return done;
    }

    /** All windows of the grid. */
    long total() {
        return total;
    }

    /** Calls the sink's {@code begin} and starts the readers. */
    void begin() throws IOException {
        long[] work = work();
        total = (long) rows * cols;
        int batchSize = sw.batchSize();
        List<long[]> batches = new ArrayList<>();
        for (int i = 0; i < work.length; i += batchSize) {
            batches.add(Arrays.copyOfRange(work, i, Math.min(work.length, i + batchSize)));
        }
        sink.begin(width, height);
        bandF = dbl ? null : new float[plan.bandRows() * width];
        bandD = dbl ? new double[plan.bandRows() * width] : null;
        reader = new WindowReader(raster, batches, g, dbl, sw.readerThreads(), sw.prefetch(), band());
    }

    /**
     * The read-ahead band of this pass, when the plan has room for it and the raster is an 8-bit source; else
     * {@code null} (windows are read one by one).
     */
    private ReadAheadBand band() {
        var source = Rasters.source(raster);
        if (plan.readAheadBytes() == 0 || source == null) {
            return null;
        }
        int[] perRow = new int[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (!skipped[r][c]) {
                    perRow[r]++;
                }
            }
        }
        int threads = sw.readerThreads();
        // parallel reads per chunk: at least 2 (compressed tiles decode on 2 cores), at most the processors
        int parts = Math.min(Runtime.getRuntime().availableProcessors(), Math.max(2, threads));
        return new ReadAheadBand(source, g, perRow, threads > 0 ? parts : 1, threads > 0);
    }

    /**
     * Predicts the next batch and emits the rows it finishes; after the last batch emits the rest and calls the
     * sink's {@code end}.
     *
     * @return whether there is more to do
     */
    boolean step() throws IOException {
        if (ended) {
            return false;
        }
        if (reader.hasNext()) {
            WindowReader.Batch b = reader.next();
            predictAndStore(b);
            reader.recycle(b);
            progress.onProgress(done, total);
            emitFinished();
            if (reader.hasNext()) {
                return true;
            }
        }
        emitFinished();
        if (nextOut != height) {
            throw new IllegalStateException("internal: " + nextOut + " of " + height + " rows emitted");
        }
        progress.onProgress(done, total);
        sink.end();
        ended = true;
        return false;
    }

    /** Runs every step. */
    void run() throws IOException {
        try {
            begin();
            while (step()) {
                // next batch
            }
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
        }
    }

    /** Tiles to predict, in raster order, as (row, col) pairs packed in longs. */
    private long[] work() {
        TissueMask tissue = sw.tissue();
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

    private void ensureRow(int r) {
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

    /** Emits every output row that no unpredicted tile row covers. */
    private void emitFinished() throws IOException {
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
                sink.acceptDouble(nextOut, n, bandD, width);
            } else {
                stitcher.stitchRows(nextOut, n, storeF, bandF, 0, sw.stitchThreads());
                sink.accept(nextOut, n, bandF);
            }
            nextOut += n;
        }
        int keepFrom = nextOut >= height ? rows : stitcher.firstTileRow(nextOut);
        for (int k = r; k < keepFrom; k++) {
            if (dbl) {
                storeD[k] = null;
            } else {
                if (storeF[k] != null) {
                    for (float[] t : storeF[k]) {
                        if (t != zeroF && t != null) {
                            freeTiles.add(t);
                        }
                    }
                }
                storeF[k] = null;
            }
        }
    }

    private void ensureRowIfAllSkipped(int k) {
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

    private void predictAndStore(WindowReader.Batch b) {
        int n = b.ids().length;
        int plane = win * win;
        double[] accD = null;
        float[] accF = null;
        if (dbl) {
            accD = predictDouble(b.inD(), n);
        } else {
            accF = Predictors.probabilities(predictor, new TileBatch(b.inF(), n, ch, win, win));
        }
        for (int i = 0; i < n; i++) {
            int r = (int) (b.ids()[i] >>> 32);
            int c = (int) b.ids()[i];
            ensureRow(r);
            if (dbl) {
                double[] t = new double[tile * tile];
                for (int y = 0; y < tile; y++) {
                    System.arraycopy(accD, i * plane + (y + expand) * win + expand, t, y * tile, tile);
                }
                storeD[r][c] = t;
            } else {
                float[] t = freeTiles.isEmpty() ? new float[tile * tile] : freeTiles.remove(freeTiles.size() - 1);
                for (int y = 0; y < tile; y++) {
                    System.arraycopy(accF, i * plane + (y + expand) * win + expand, t, y * tile, tile);
                }
                storeF[r][c] = t;
            }
            stored[r]++;
            done++;
        }
    }

    private double[] predictDouble(double[] in, int n) {
        if (predictor instanceof DoublePredictor dp) {
            return Predictors.posed(dp, in, n, ch, win, D4.IDENTITY);
        }
        float[] f = new float[in.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) in[k];
        }
        float[] o = Predictors.probabilities(predictor, new TileBatch(f, n, ch, win, win));
        double[] d = new double[o.length];
        for (int k = 0; k < d.length; k++) {
            d[k] = o[k];
        }
        return d;
    }
}
