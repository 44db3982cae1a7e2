package io.github.hubmapseg.tiling.sink;

import java.io.IOException;

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
        if (reduce == 1) {
            return next;
        }
        return new MaskRowSink() {
            private byte[] out = new byte[0];

            @Override
            public void begin(long width, long height) throws IOException {
                expect(width, height, fullWidth, fullHeight, reduce);
                next.begin(fullWidth, fullHeight);
            }

            @Override
            public void accept(long y0, int rows, byte[] band) throws IOException {
                int fw = (int) fullWidth;
                int rw = (int) ((fullWidth + reduce - 1) / reduce);
                long fy0 = y0 * reduce;
                int frows = (int) Math.min((long) rows * reduce, fullHeight - fy0);
                if (out.length < frows * fw) {
                    out = new byte[frows * fw];
                }
                for (int r = 0; r < frows; r++) {
                    int src = (r / reduce) * rw;
                    int dst = r * fw;
                    if (r % reduce != 0) {
                        System.arraycopy(out, dst - fw, out, dst, fw);
                        continue;
                    }
                    for (int x = 0; x < fw; x++) {
                        out[dst + x] = band[src + x / reduce];
                    }
                }
                next.accept(fy0, frows, out);
            }

            @Override
            public void end() throws IOException {
                next.end();
            }
        };
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
        if (reduce == 1) {
            return next;
        }
        return new RowSink() {
            private float[] out = new float[0];

            @Override
            public void begin(long width, long height) throws IOException {
                expect(width, height, fullWidth, fullHeight, reduce);
                next.begin(fullWidth, fullHeight);
            }

            @Override
            public void accept(long y0, int rows, float[] band) throws IOException {
                int fw = (int) fullWidth;
                int rw = (int) ((fullWidth + reduce - 1) / reduce);
                long fy0 = y0 * reduce;
                int frows = (int) Math.min((long) rows * reduce, fullHeight - fy0);
                if (out.length < frows * fw) {
                    out = new float[frows * fw];
                }
                for (int r = 0; r < frows; r++) {
                    int src = (r / reduce) * rw;
                    int dst = r * fw;
                    if (r % reduce != 0) {
                        System.arraycopy(out, dst - fw, out, dst, fw);
                        continue;
                    }
                    row(band, src, reduce, out, dst, fw);
                }
                next.accept(fy0, frows, out);
            }

            @Override
            public void end() throws IOException {
                next.end();
            }
        };
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
