package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.tiling.sink.FloatImageSink;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.util.Objects;

/**
 * Sliding-window inference of ONE predictor on ONE grid: runs a {@link Predictor} over a whole image tile by
 * tile and streams the blended result to a sink, top to bottom, in bands of rows. It keeps the concerns
 * apart: <em>where</em> ({@link TileGrid}: tile T, stride S, expansion E, reflect-101 borders), <em>reading</em>
 * ({@link WindowReader}: batches, bounded prefetch, the {@link ReadAheadBand} of decoded rows), <em>what</em> (the {@link Predictor}: test-time poses and
 * ensembles are predictor wrappers, {@link Predictors}) and <em>combine</em> ({@link Stitcher} with a
 * {@link Weighting}); {@link Pass} runs them step by step. Members at their own scale, tile size and poses, run
 * together in one pass over a slide, are {@link Engine}'s job. {@link #predict(ImageSource, Predictor)} is the
 * one-line entry point for the common case, like MONAI's {@code sliding_window_inference}.
 *
 * <p>Per window: the model sees {@code (T + 2E)^2} pixels (source units, 0..255 for slides; NCHW), logits are
 * turned into probabilities with a sigmoid ({@link Predictors#probabilities}) and only the centre
 * {@code T x T} is kept. Windows whose output tile has no tissue in the optional {@link TissueMask} are not sent
 * to the model and predict 0.
 *
 * <p>Streaming and memory: tile rows are predicted in order; after tile row {@code r} every output row
 * above the start of tile row {@code r + 1} is final, is stitched and handed to the sink, and tile rows that
 * cover no unfinished output row are dropped. Before the pass, {@link #plan} computes (b = 4 bytes per
 * value in float, 8 in double, C channels, P = prefetched batches, B = batch size, W = T + 2E):
 * <pre>
 *   tileStore = (ceil(T / S) + 1 + ceil(B / cols)) * cols * T^2 * b
 *   batches   = 2 * B * (C + 3) * W^2 * b        with the band (windows assembled one batch ahead; 1 * ...
 *                                                  without reader threads)
 *               (P + 1) * B * (C + 3) * W^2 * b  without it (P batches read ahead by the reader threads)
 *   readAhead = min(height, max over r of the source rows read by tile rows r and r + 1 together + 511)
 *               * width * C bytes          (the {@link ReadAheadBand}, when on and it fits, else 0)
 *   bandRows  = clamp((budget - tileStore - batches - readAhead) / (width * (b + 1)), 1, min(height, max(S, 64)))
 * </pre>
 * and refuses to start (naming the numbers) if the budget is below {@code tileStore + batches} plus one row.
 * The read-ahead band (about {@code (W + S + 511) * width * C} bytes: 122 MiB for a 30000-wide RGB slide at
 * T512 S384) is dropped from the plan, and windows are read one by one, when the budget cannot hold it.
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

    private final int tile;
    private final int stride;
    private final int expand;
    private final Weighting weighting;
    private final int batchSize;
    private final TissueMask tissue;
    private final long memoryBudget;
    private final int readerThreads;
    private final int prefetch;
    private final Precision precision;
    private final ProgressListener progress;
    private final int stitchThreads;
    private final boolean readAhead;

    private SlidingWindow(Builder b) {
        this.tile = b.tile;
        this.stride = b.stride;
        this.expand = b.expand;
        this.weighting = b.weighting;
        this.batchSize = b.batchSize;
        this.tissue = b.tissue;
        this.memoryBudget = b.memoryBudget;
        this.readerThreads = b.readerThreads;
        this.prefetch = b.prefetch;
        this.precision = b.precision;
        this.progress = b.progress;
        this.stitchThreads = b.stitchThreads;
        this.readAhead = b.readAhead;
    }

    /** A builder for output tiles of {@code tileSize x tileSize} pixels (required). */
    public static Builder builder(int tileSize) {
        return new Builder(tileSize);
    }

    /** The grid this engine uses on a {@code width x height} image. */
    public TileGrid grid(long width, long height) {
        return new TileGrid(width, height, tile, stride, expand);
    }

    /** The memory plan of a pass over an 8-bit slide (an {@link ImageSource}); see the class comment for the formula. */
    public MemoryPlan plan(long width, long height, int channels) {
        return plan(width, height, channels, true);
    }

    /** The memory plan; {@code eightBit}: the raster is an {@link ImageSource}, whose pass may have a band. */
    MemoryPlan plan(long width, long height, int channels, boolean eightBit) {
        TileGrid g = grid(width, height);
        int cols = g.cols();
        long b = precision == Precision.FLOAT ? 4 : 8;
        long liveRows = ceilDiv(tile, stride) + 1 + ceilDiv(batchSize, cols);
        long store = liveRows * cols * (long) tile * tile * b;
        long win = g.windowSize();
        long oneBatch = batchSize * (channels + 3L) * win * win * b;
        long rowBytes = width * (b + 1);
        // with the band, windows are assembled one batch ahead (2 batches; 1 without reader threads); without it,
        // prefetch + 1 batches
        long ahead = readAhead && eightBit ? ReadAheadBand.plannedRows(g) * width * channels : 0;
        long batches = ahead > 0 ? (readerThreads > 0 ? 2 : 1) * oneBatch : (prefetch + 1L) * oneBatch;
        if (ahead > Integer.MAX_VALUE - 8 || memoryBudget - store - batches - ahead < rowBytes) {
            ahead = 0;
            batches = (prefetch + 1L) * oneBatch;
        }
        long left = memoryBudget - store - batches - ahead;
        if (left < rowBytes) {
            throw new IllegalArgumentException("memoryBudget " + mib(memoryBudget) + " is too small for tile " + tile
                    + ", stride " + stride + ", expand " + expand + ", batchSize " + batchSize + " on a " + width
                    + "-pixel-wide image: it needs at least " + mib(store + batches + rowBytes)
                    + " (tile rows " + mib(store) + ", batches " + mib(batches)
                    + "); raise memoryBudget or lower tileSize/batchSize");
        }
        int band = (int) Math.max(1, Math.min(Math.min(height, Math.max(stride, 64)), left / rowBytes));
        return new MemoryPlan(store, batches, ahead, band, band * width * b, memoryBudget);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Predicts a small image in memory (at most 2^31 - 9 pixels): the blended probabilities, row-major. */
    public FloatImageSink predict(ImageSource source, Predictor predictor) throws IOException {
        FloatImageSink sink = new FloatImageSink();
        run(Rasters.of(source), predictor, sink);
        return sink;
    }

    /** Runs one predictor over a slide and streams probabilities to {@code sink}. */
    public void run(ImageSource source, Predictor predictor, RowSink sink) throws IOException {
        run(Rasters.of(source), predictor, sink);
    }

    /**
     * The general entry point: any raster, one predictor (wrap an ensemble on one window with
     * {@link Predictors#combined}, poses with {@link Predictors#tta}), any row sink.
     *
     * @throws IOException if the raster cannot be read or the sink cannot write
     * @throws IllegalArgumentException if the predictor does not fit the raster or the geometry, naming why
     */
    public void run(Raster raster, Predictor predictor, RowSink sink) throws IOException {
        open(raster, predictor, sink, progress).run();
    }

    /** A pass ready to {@link Pass#begin()}: checks the predictor against the raster and plans memory. */
    Pass open(Raster raster, Predictor predictor, RowSink sink, ProgressListener listener) {
        Objects.requireNonNull(raster, "raster");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(predictor, "predictor");
        TileGrid g = grid(raster.width(), raster.height());
        int win = g.windowSize();
        if (predictor.inputChannels() != raster.channels()) {
            throw new IllegalArgumentException("predictor expects " + predictor.inputChannels()
                    + " input channels, the image has " + raster.channels());
        }
        int d = predictor.sizeDivisor();
        if (d > 1 && win % d != 0) {
            throw new IllegalArgumentException("window size tile + 2*expand = " + win
                    + " must be a multiple of the predictor's size divisor " + d);
        }
        MemoryPlan plan = plan(raster.width(), raster.height(), raster.channels(), Rasters.source(raster) != null);
        return new Pass(this, g, raster, predictor, sink, plan, listener);
    }

    int tile() {
        return tile;
    }

    int stride() {
        return stride;
    }

    Weighting weighting() {
        return weighting;
    }

    /** @return windows per predictor call (the batch size) */
    public int batchSize() {
        return batchSize;
    }

    TissueMask tissue() {
        return tissue;
    }

    int readerThreads() {
        return readerThreads;
    }

    int prefetch() {
        return prefetch;
    }

    Precision precision() {
        return precision;
    }

    int stitchThreads() {
        return stitchThreads;
    }

    /** Builder: the tile size is required, everything else has a default. */
    public static final class Builder {
        private final int tile;
        private int stride = -1;
        private double overlap = 0.25;
        private int expand;
        private Weighting weighting = Weighting.gaussian();
        private int batchSize = 4;
        private TissueMask tissue;
        private long memoryBudget = Math.min(1L << 30, (long) (Runtime.getRuntime().maxMemory() * 0.6));
        private int readerThreads = 2;
        private int prefetch = -1;
        private Precision precision = Precision.FLOAT;
        private ProgressListener progress = ProgressListener.none();
        private int stitchThreads = Runtime.getRuntime().availableProcessors();
        private boolean readAhead = true;

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

        /**
         * Threads reading ahead of the model, default 2; 0 reads in the calling thread. With the read-ahead band
         * the band's loader reads rows ahead (chunks split over at least 2 parallel reads) and one thread
         * assembles the windows one batch ahead of the predictor; without it they read whole windows.
         */
        public Builder readerThreads(int threads) {
            this.readerThreads = threads;
            return this;
        }

        /**
         * Batches read ahead (bounded prefetch) when windows are read one by one; default 2 per reader thread.
         * With the read-ahead band one batch is assembled ahead, whatever this says.
         */
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

        /**
         * Whether windows of 8-bit slides are assembled from a {@link ReadAheadBand} of rows decoded once and
         * read ahead on a loader thread (default), or read one by one; the results are identical.
         */
        public Builder readAhead(boolean on) {
            this.readAhead = on;
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
