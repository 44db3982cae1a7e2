package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.tiling.sink.RowSink;
import io.github.hubmapseg.tiling.sink.RowSinks;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The whole-slide inference engine: runs every {@link Member} of an ensemble over a slide in ONE streaming pass.
 * Each member reads the slide at its own scale ({@link ReducedImageSource} at its predictor's
 * {@link io.github.hubmapseg.core.predict.Predictor#reduce()}), with its own tile size, overlap, halo, blending and
 * poses ({@link SlidingWindow} and {@link Pass} per member); its rows are brought to level 0 (nearest-neighbour
 * repetition) and combined per pixel ({@link Combination}); the combined level-0 probability rows go, band by
 * band, to a list of sinks: the mask stage ({@link RowSinks#maskStage}) feeding RLE, polygons and PNGs, a
 * probability OME-TIFF, post-processors.
 *
 * <p>Lockstep: for each level-0 band, every member whose emitted rows do not reach the band's end is stepped
 * (one batch at a time) until they do; rows no band needs any more are dropped. So each member holds at most
 * {@code ceil(band / reduce) + tile + stride + 1} rows at its scale beyond its own pass's tile rows, and the
 * memory of all members is planned before the pass ({@link #plan}): the budget minus the combination buffers is
 * shared by the members in proportion to what each needs, each member's pass refusing to start when its share is
 * too small.
 */
public final class Engine {
    private final List<Member> members;
    private final Combination combination;
    private final long memoryBudget;
    private final int batchSize;
    private final int readerThreads;
    private final int stitchThreads;
    private final int outBand;
    private final boolean readAhead;
    private final ProgressListener progress;

    private Engine(Builder b) {
        this.members = List.copyOf(b.members);
        this.combination = b.combination;
        this.memoryBudget = b.memoryBudget;
        this.batchSize = b.batchSize;
        this.readerThreads = b.readerThreads;
        this.stitchThreads = b.stitchThreads;
        this.outBand = b.outBand;
        this.readAhead = b.readAhead;
        this.progress = b.progress;
    }

    /** A builder for these members (at least one). */
    public static Builder builder(List<Member> members) {
        return new Builder(members);
    }

    /** @return the members */
    public List<Member> members() {
        return members;
    }

    /** @return windows per predictor call */
    public int batchSize() {
        return batchSize;
    }

    /** @return how the members are combined */
    public Combination combination() {
        return combination;
    }

    private SlidingWindow window(Member m, long budget) {
        return SlidingWindow.builder(m.tile()).stride(m.tile() - m.overlap()).expand(m.expansion())
                .weighting(m.weighting()).batchSize(batchSize).readerThreads(readerThreads)
                .stitchThreads(stitchThreads).readAhead(readAhead).memoryBudget(Math.max(1, budget)).build();
    }

    private int heldRows(Member m) {
        int stride = m.tile() - m.overlap();
        return (outBand + m.reduce() - 1) / m.reduce() + m.tile() + stride + 1;
    }

    private long combineBytes(long width, long height) {
        long b = 4L * width * (Math.min(height, outBand) + members.size());
        for (Member m : members) {
            b += 4L * ((width + m.reduce() - 1) / m.reduce()) * heldRows(m);
        }
        return b;
    }

    /**
     * The memory plan of a pass over a {@code width x height} slide with {@code channels} channels.
     *
     * @throws IllegalArgumentException if the budget is too small, naming the numbers
     */
    public EnginePlan plan(long width, long height, int channels) {
        long[] shares = shares(width, height, channels);
        List<EnginePlan.MemberPlan> plans = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            int r = m.reduce();
            long w = (width + r - 1) / r;
            long h = (height + r - 1) / r;
            try {
                SlidingWindow sw = window(m, shares[i]);
                plans.add(new EnginePlan.MemberPlan(m, sw.grid(w, h), sw.plan(w, h, channels), heldRows(m)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("member " + i + " (" + m.describe() + "): " + e.getMessage(), e);
            }
        }
        return new EnginePlan(plans, combineBytes(width, height), (int) Math.min(height, outBand), memoryBudget);
    }

    /**
     * Each member's share of the budget left after the combination buffers, in proportion to what its pass
     * needs with a full band (a member at reduce 2 needs more than one at reduce 4).
     */
    private long[] shares(long width, long height, int channels) {
        long combine = combineBytes(width, height);
        long left = memoryBudget - combine;
        if (left <= 0) {
            throw new IllegalArgumentException("memoryBudget " + SlidingWindow.mib(memoryBudget) + " is too small for "
                    + members.size() + " members on a " + width + "-pixel-wide slide: combining their rows alone needs "
                    + SlidingWindow.mib(combine));
        }
        long[] need = new long[members.size()];
        double total = 0;
        for (int i = 0; i < need.length; i++) {
            Member m = members.get(i);
            int r = m.reduce();
            long w = (width + r - 1) / r;
            long h = (height + r - 1) / r;
            try {
                need[i] = window(m, Long.MAX_VALUE / 4).plan(w, h, channels).totalBytes();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("member " + i + " (" + m.describe() + "): " + e.getMessage(), e);
            }
            total += need[i];
        }
        long[] share = new long[need.length];
        for (int i = 0; i < need.length; i++) {
            share[i] = (long) (left * (need[i] / total));
        }
        return share;
    }

    /**
     * Runs every member over the slide in one pass and sends the combined level-0 probability rows to every
     * sink, in order.
     *
     * @throws IOException if the slide cannot be read or a sink cannot write
     * @throws IllegalArgumentException if a member does not fit the slide or the budget, naming why
     */
    public void run(ImageSource slide, List<? extends RowSink> sinks) throws IOException {
        Objects.requireNonNull(slide, "slide");
        RowSink out = RowSinks.all(sinks);
        long width = slide.width();
        long height = slide.height();
        int fw = Math.toIntExact(width);
        EnginePlan plan = plan(width, height, slide.channels());
        long[] shares = shares(width, height, slide.channels());
        int n = members.size();
        MemberRows[] rows = new MemberRows[n];
        List<Pass> passes = new ArrayList<>();
        long[] done = new long[n];
        long[] total = new long[n];
        try {
            for (int i = 0; i < n; i++) {
                Member m = members.get(i);
                int r = m.reduce();
                ImageSource src = r == 1 ? slide : new ReducedImageSource(slide, r);
                rows[i] = new MemberRows(width, height, r, heldRows(m));
                int k = i;
                MemberRows mr = rows[i];
                long share = shares[i];
                Pass p = opened(i, () -> window(m, share).open(Rasters.of(src), m.posed(), mr, (d, t) -> {
                    done[k] = d;
                    total[k] = t;
                    long sd = 0;
                    long st = 0;
                    for (int j = 0; j < n; j++) {
                        sd += done[j];
                        st += total[j];
                    }
                    progress.onProgress(sd, st);
                }));
                passes.add(p);
            }
            double[] weights = new double[n];
            for (int i = 0; i < n; i++) {
                weights[i] = members.get(i).weight();
            }
            for (Pass p : passes) {
                p.begin();
            }
            out.begin(width, height);
            int band = plan.outBandRows();
            float[] outBuf = new float[Math.multiplyExact(band, fw)];
            float[][] level0 = new float[n][fw];
            boolean[] more = new boolean[n];
            java.util.Arrays.fill(more, true);
            for (long y = 0; y < height; ) {
                int bn = (int) Math.min(band, height - y);
                long yEnd = y + bn;
                for (int i = 0; i < n; i++) {
                    while (rows[i].level0Available() < yEnd) {
                        if (!more[i] || !(more[i] = passes.get(i).step())) {
                            if (rows[i].level0Available() < yEnd) {
                                throw new IllegalStateException("internal: member " + i + " ended at level-0 row "
                                        + rows[i].level0Available() + " of " + height);
                            }
                        }
                    }
                }
                for (int j = 0; j < bn; j++) {
                    for (int i = 0; i < n; i++) {
                        rows[i].level0Row(y + j, level0[i]);
                    }
                    combination.combine(level0, 0, weights, outBuf, j * fw, fw);
                }
                out.accept(y, bn, outBuf);
                y = yEnd;
                for (int i = 0; i < n; i++) {
                    rows[i].dropBefore(y);
                }
            }
            for (int i = 0; i < n; i++) {
                while (more[i]) {
                    more[i] = passes.get(i).step();
                }
            }
            out.end();
        } finally {
            for (Pass p : passes) {
                p.close();
            }
        }
    }

    private Pass opened(int i, java.util.function.Supplier<Pass> open) {
        try {
            return open.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("member " + i + " (" + members.get(i).describe() + "): "
                    + e.getMessage(), e);
        }
    }

    /** Builder: the members are required, everything else has a default. */
    public static final class Builder {
        private final List<Member> members;
        private Combination combination = Combination.mean();
        private long memoryBudget = Math.min(1L << 30, (long) (Runtime.getRuntime().maxMemory() * 0.6));
        private int batchSize = 4;
        private int readerThreads = 1;
        private int stitchThreads = Runtime.getRuntime().availableProcessors();
        private int outBand = 64;
        private boolean readAhead = true;
        private ProgressListener progress = ProgressListener.none();

        private Builder(List<Member> members) {
            this.members = members == null ? null : new ArrayList<>(members);
        }

        /** How members are combined per pixel, default the weighted mean. */
        public Builder combination(Combination c) {
            this.combination = c;
            return this;
        }

        /** Heap budget in bytes for the pass, all members together; default min(1 GiB, 60 % of max heap). */
        public Builder memoryBudget(long bytes) {
            this.memoryBudget = bytes;
            return this;
        }

        /** Windows per predictor call, default 4. */
        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /** Threads reading windows ahead per member (2 batches ahead each); 0 reads in the calling thread. Default 1. */
        public Builder readerThreads(int n) {
            this.readerThreads = n;
            return this;
        }

        /** Threads that stitch a member's band, default the number of processors. */
        public Builder stitchThreads(int n) {
            this.stitchThreads = n;
            return this;
        }

        /** Level-0 rows per band handed to the sinks, default 64. */
        public Builder bandRows(int n) {
            this.outBand = n;
            return this;
        }

        /** Whether each member's pass reads ahead in a band of decoded rows (default; see {@link SlidingWindow}). */
        public Builder readAhead(boolean on) {
            this.readAhead = on;
            return this;
        }

        /** Progress over all members' windows, default none. */
        public Builder progress(ProgressListener listener) {
            this.progress = listener;
            return this;
        }

        /** Validates the options and names the first that is wrong. */
        public Engine build() {
            if (members == null || members.isEmpty()) {
                throw new IllegalArgumentException("an engine needs at least one member");
            }
            Objects.requireNonNull(combination, "combination");
            combination.check(members.size());
            if (memoryBudget <= 0) {
                throw new IllegalArgumentException("memoryBudget must be > 0 bytes, got " + memoryBudget);
            }
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
            }
            if (readerThreads < 0) {
                throw new IllegalArgumentException("readerThreads must be >= 0, got " + readerThreads);
            }
            if (stitchThreads < 1) {
                throw new IllegalArgumentException("stitchThreads must be >= 1, got " + stitchThreads);
            }
            if (outBand < 1) {
                throw new IllegalArgumentException("bandRows must be >= 1, got " + outBand);
            }
            Objects.requireNonNull(progress, "progress");
            int c = members.get(0).predictor().inputChannels();
            for (Member m : members) {
                if (m.predictor().inputChannels() != c) {
                    throw new IllegalArgumentException("members must take the same input channels, got " + c + " and "
                            + m.predictor().inputChannels());
                }
            }
            return new Engine(this);
        }
    }
}
