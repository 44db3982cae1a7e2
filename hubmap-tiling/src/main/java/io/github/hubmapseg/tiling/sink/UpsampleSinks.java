package io.github.hubmapseg.tiling.sink;

import java.io.IOException;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * Sinks that take rows predicted at {@code 1 / reduce} resolution and pass full-resolution rows on, by
 * nearest-neighbour repetition: full pixel {@code (x, y)} takes reduced pixel {@code (x / reduce, y / reduce)}.
 * The full size is given (the reduced size is its ceiling division), so the last block is cropped. Streaming:
 * memory is one band of full-resolution rows.
 */
public final class UpsampleSinks {
    private UpsampleSinks() {
    }

    /**
     * @param fullWidth  full-resolution width
     * @param fullHeight full-resolution height
     * @param reduce     factor {@code >= 1}
     * @param next       receives full-resolution mask rows
     * @return a sink for reduced-resolution mask rows
     */
    public static MaskRowSink mask(long fullWidth, long fullHeight, int reduce, MaskRowSink next) {
        check(fullWidth, fullHeight, reduce);
        return reduce == 1 ? next : new MaskUp(fullWidth, fullHeight, reduce, next);
    }

    /**
     * @param fullWidth  full-resolution width
     * @param fullHeight full-resolution height
     * @param reduce     factor {@code >= 1}
     * @param next       receives full-resolution probability rows
     * @return a sink for reduced-resolution probability rows
     */
    public static RowSink probabilities(long fullWidth, long fullHeight, int reduce, RowSink next) {
        check(fullWidth, fullHeight, reduce);
        return reduce == 1 ? next : new ProbabilityUp(fullWidth, fullHeight, reduce, next);
    }

    /**
     * One full-resolution row from a reduced row by nearest-neighbour repetition: {@code dst[dstOff + x] =
     * src[srcOff + x / reduce]} for {@code x < fullWidth}; the one home of the upsampling rule.
     */
    public static void row(float[] src, int srcOff, int reduce, float[] dst, int dstOff, int fullWidth) {
        if (reduce == 1) {
            System.arraycopy(src, srcOff, dst, dstOff, fullWidth);
            return;
        }
        int x = 0;
        int s = srcOff;
        while (x < fullWidth) {
            float v = src[s++];
            int end = Math.min(fullWidth, x + reduce);
            for (; x < end; x++) {
                dst[dstOff + x] = v;
            }
        }
    }

    /** {@link #row(float[], int, int, float[], int, int)} for mask rows: the same rule on bytes. */
    private static void row(byte[] src, int srcOff, int reduce, byte[] dst, int dstOff, int fullWidth) {
        int x = 0;
        int s = srcOff;
        while (x < fullWidth) {
            byte v = src[s++];
            int end = Math.min(fullWidth, x + reduce);
            for (; x < end; x++) {
                dst[dstOff + x] = v;
            }
        }
    }

    /** One row kind's nearest-neighbour row: {@code out[dst + x] = band[src + x / reduce]} for {@code x < fw}. */
    private interface RowUp<A> {
        void row(A band, int src, A out, int dst, int fw);
    }

    /** The next sink's three calls, for either row kind. */
    private interface Begin {
        void begin(long width, long height) throws IOException;
    }

    private interface Accept<A> {
        void accept(long y0, int rows, A band) throws IOException;
    }

    private interface End {
        void end() throws IOException;
    }

    /** {@link #mask}'s sink: {@link Up} on bytes. */
    private static final class MaskUp extends Up<byte[]> implements MaskRowSink {
        MaskUp(long fullWidth, long fullHeight, int reduce, MaskRowSink next) {
            super(fullWidth, fullHeight, reduce, byte[]::new, a -> a.length,
                    (band, src, out, dst, fw) -> row(band, src, reduce, out, dst, fw), next::begin, next::accept,
                    next::end);
        }
    }

    /** {@link #probabilities}'s sink: {@link Up} on floats. */
    private static final class ProbabilityUp extends Up<float[]> implements RowSink {
        ProbabilityUp(long fullWidth, long fullHeight, int reduce, RowSink next) {
            super(fullWidth, fullHeight, reduce, float[]::new, a -> a.length,
                    (band, src, out, dst, fw) -> row(band, src, reduce, out, dst, fw), next::begin, next::accept,
                    next::end);
        }
    }

    /**
     * The sink shared by byte (mask) and float (probability) rows: full row {@code r} of a band takes reduced row
     * {@code r / reduce}; the first full row of each reduced row is upsampled, the others copy it. The output
     * buffer (one band of full rows) is reused.
     */
    private abstract static class Up<A> {
        private final long fullWidth;
        private final long fullHeight;
        private final int reduce;
        private final IntFunction<A> alloc;
        private final ToIntFunction<A> length;
        private final RowUp<A> up;
        private final Begin nextBegin;
        private final Accept<A> nextAccept;
        private final End nextEnd;
        private A out;

        Up(long fullWidth, long fullHeight, int reduce, IntFunction<A> alloc, ToIntFunction<A> length, RowUp<A> up,
                Begin nextBegin, Accept<A> nextAccept, End nextEnd) {
            this.fullWidth = fullWidth;
            this.fullHeight = fullHeight;
            this.reduce = reduce;
            this.alloc = alloc;
            this.length = length;
            this.up = up;
            this.nextBegin = nextBegin;
            this.nextAccept = nextAccept;
            this.nextEnd = nextEnd;
            this.out = alloc.apply(0);
        }

        public void begin(long width, long height) throws IOException {
            expect(width, height, fullWidth, fullHeight, reduce);
            nextBegin.begin(fullWidth, fullHeight);
        }

        public void accept(long y0, int rows, A band) throws IOException {
            // full rows of the band of reduced rows [y0, y0 + rows) (the last band is cropped)
            int frows = (int) Math.min((long) rows * reduce, fullHeight - y0 * reduce);
            nextAccept.accept(y0 * reduce, frows, upsample(frows, band));
        }

        public void end() throws IOException {
            nextEnd.end();
        }

        /** The band's full rows, in a reused buffer. */
        private A upsample(int frows, A band) {
            int fw = (int) fullWidth;
            int rw = (int) ((fullWidth + reduce - 1) / reduce);
            if (length.applyAsInt(out) < frows * fw) {
                out = alloc.apply(frows * fw);
            }
            for (int r = 0; r < frows; r++) {
                int dst = r * fw;
                if (r % reduce != 0) {
                    System.arraycopy(out, dst - fw, out, dst, fw);
                } else {
                    up.row(band, (r / reduce) * rw, out, dst, fw);
                }
            }
            return out;
        }
    }

    private static void check(long w, long h, int reduce) {
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
        if (w < 1 || h < 1) {
            throw new IllegalArgumentException("full size must be >= 1, got " + w + "x" + h);
        }
    }

    private static void expect(long width, long height, long fw, long fh, int reduce) {
        long ew = (fw + reduce - 1) / reduce;
        long eh = (fh + reduce - 1) / reduce;
        if (width != ew || height != eh) {
            throw new IllegalArgumentException("reduced rows are " + width + "x" + height + ", expected " + ew + "x"
                    + eh + " for " + fw + "x" + fh + " at reduce " + reduce);
        }
    }
}
