package io.github.hubmapseg.core.slide;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The one streaming 2x2 downsampling of hubmap-seg's image pyramids (the probability OME-TIFF's levels and the
 * report's Deep Zoom tiles): rows of level 0 arrive top to bottom; level {@code k + 1} is
 * {@code ceil(w_k / 2) x ceil(h_k / 2)} and each of its rows is made by a {@link Kernel} from a pair of rows of
 * level {@code k} (or the last row alone when the height is odd) as soon as the pair is complete. Every row of
 * every level is handed to a {@link LevelSink}. Memory: one pending row and one output row per level.
 *
 * @param <R> the row type ({@code float[]}, {@code int[]} ARGB, ...)
 */
public final class RowPyramid<R> {

    /** How a row type is allocated, copied and reduced. */
    public interface Kernel<R> {
        /** @return a row of {@code width} pixels */
        R newRow(int width);

        /** Copies {@code width} pixels of {@code src} from {@code off} to the start of {@code dst}. */
        void copy(R src, int off, R dst, int width);

        /**
         * Reduces a row pair: output pixel {@code x} combines pixels {@code 2x} and {@code 2x + 1} (when
         * {@code 2x + 1 < width}) of {@code top} and, unless {@code bottom} is {@code null}, of {@code bottom}
         * (read from {@code off}).
         *
         * @param out {@code ceil(width / 2)} pixels
         */
        void reduce(R top, R bottom, int off, int width, R out);
    }

    /** Receives every row of every level. */
    @FunctionalInterface
    public interface LevelSink<R> {
        /**
         * Row {@code y} of level {@code level}: {@code width} pixels of {@code row} from {@code off} (valid only
         * during the call).
         */
        void row(int level, long y, R row, int off, int width) throws IOException;
    }

    private final Kernel<R> kernel;
    private final LevelSink<R> sink;
    private final List<Level> levels = new ArrayList<>();

    /**
     * A pyramid of {@code levels} levels over a {@code width x height} image.
     *
     * @throws IllegalArgumentException for a non-positive size or level count
     */
    public RowPyramid(long width, long height, int levels, Kernel<R> kernel, LevelSink<R> sink) {
        if (width < 1 || height < 1 || width > Integer.MAX_VALUE - 8 || levels < 1) {
            throw new IllegalArgumentException("a pyramid needs a size of at least 1 x 1 (width < 2^31) and at least "
                    + "one level, got " + width + " x " + height + ", " + levels + " levels");
        }
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.sink = Objects.requireNonNull(sink, "sink");
        long w = width;
        long h = height;
        for (int k = 0; k < levels; k++) {
            this.levels.add(new Level(k, (int) w, h, k + 1 < levels));
            w = (w + 1) / 2;
            h = (h + 1) / 2;
        }
    }

    /** Adds the next row of level 0 ({@code width} pixels of {@code row} from {@code off}). */
    public void push(R row, int off) throws IOException {
        Level l0 = levels.get(0);
        if (l0.rowsIn >= l0.h) {
            throw new IllegalStateException("all " + l0.h + " rows were already added");
        }
        push(0, row, off);
    }

    /** @return rows received so far by a level */
    public long rows(int level) {
        return levels.get(level).rowsIn;
    }

    /** @return the height of a level */
    public long height(int level) {
        return levels.get(level).h;
    }

    /** @return the number of levels */
    public int levelCount() {
        return levels.size();
    }

    private void push(int k, R row, int off) throws IOException {
        Level l = levels.get(k);
        sink.row(k, l.rowsIn, row, off, l.w);
        l.rowsIn++;
        if (!l.hasNext) {
            return;
        }
        if (!l.hasPending) {
            kernel.copy(row, off, l.pending, l.w);
            l.hasPending = true;
            if (l.rowsIn == l.h) {
                kernel.reduce(l.pending, null, 0, l.w, l.down);
                l.hasPending = false;
                push(k + 1, l.down, 0);
            }
        } else {
            kernel.reduce(l.pending, row, off, l.w, l.down);
            l.hasPending = false;
            push(k + 1, l.down, 0);
        }
    }

    private final class Level {
        final int w;
        final long h;
        final boolean hasNext;
        final R pending;
        final R down;
        long rowsIn;
        boolean hasPending;

        Level(int index, int w, long h, boolean hasNext) {
            this.w = w;
            this.h = h;
            this.hasNext = hasNext;
            this.pending = hasNext ? kernel.newRow(w) : null;
            this.down = hasNext ? kernel.newRow((w + 1) / 2) : null;
        }
    }

    /** Means of up to 2x2 float pixels, summed as (top pair) + (bottom pair) in float. */
    public static final Kernel<float[]> FLOAT_MEAN = new Kernel<>() {
        @Override
        public float[] newRow(int width) {
            return new float[width];
        }

        @Override
        public void copy(float[] src, int off, float[] dst, int width) {
            System.arraycopy(src, off, dst, 0, width);
        }

        @Override
        public void reduce(float[] top, float[] bottom, int off, int width, float[] out) {
            int nw = (width + 1) / 2;
            for (int x = 0; x < nw; x++) {
                int a = 2 * x;
                boolean two = a + 1 < width;
                float s = top[a] + (two ? top[a + 1] : 0);
                int n = two ? 2 : 1;
                if (bottom != null) {
                    s += bottom[off + a] + (two ? bottom[off + a + 1] : 0);
                    n *= 2;
                }
                out[x] = s / n;
            }
        }
    };

    private static final int LANES = 0x00FF00FF;

    /** Rounded means of up to 2x2 ARGB pixels ({@code 0xAARRGGBB}), per channel: {@code (sum + n / 2) / n}. */
    public static final Kernel<int[]> ARGB_MEAN = new Kernel<>() {
        @Override
        public int[] newRow(int width) {
            return new int[width];
        }

        @Override
        public void copy(int[] src, int off, int[] dst, int width) {
            System.arraycopy(src, off, dst, 0, width);
        }

        @Override
        public void reduce(int[] top, int[] bottom, int off, int width, int[] out) {
            // two channels per int ("SIMD within a register"): A and G in the high bytes of each 16-bit lane
            // after >>> 8, R and B in the low ones; a lane holds a sum of up to 4 x 255, so lanes never carry
            int pairs = width / 2;
            if (bottom != null) {
                for (int x = 0; x < pairs; x++) {
                    int a = 2 * x;
                    int p = top[a];
                    int q = top[a + 1];
                    int r = bottom[off + a];
                    int s = bottom[off + a + 1];
                    int rb = (p & LANES) + (q & LANES) + (r & LANES) + (s & LANES) + 0x00020002;
                    int ag = (p >>> 8 & LANES) + (q >>> 8 & LANES) + (r >>> 8 & LANES) + (s >>> 8 & LANES)
                            + 0x00020002;
                    out[x] = (ag << 6 & ~LANES) | (rb >>> 2 & LANES);
                }
            } else {
                for (int x = 0; x < pairs; x++) {
                    int p = top[2 * x];
                    int q = top[2 * x + 1];
                    out[x] = mean2(p, q);
                }
            }
            if ((width & 1) == 1) { // the odd last column: one pixel, or a vertical pair
                int p = top[width - 1];
                out[pairs] = bottom == null ? p : mean2(p, bottom[off + width - 1]);
            }
        }

        /** The rounded mean of two ARGB pixels per channel, {@code (a + b + 1) / 2}. */
        private static int mean2(int p, int q) {
            int rb = (p & LANES) + (q & LANES) + 0x00010001;
            int ag = (p >>> 8 & LANES) + (q >>> 8 & LANES) + 0x00010001;
            return (ag << 7 & ~LANES) | (rb >>> 1 & LANES);
        }
    };
}
