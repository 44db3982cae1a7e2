package io.github.hubmapseg.tiling.sink;

import java.io.IOException;
import java.util.Objects;

/** Adapters between row sinks. */
public final class RowSinks {

    private RowSinks() {
    }

    /**
     * The library's one thresholding rule: {@code out[k] = band[k] >= threshold ? 1 : 0} for the first {@code n}
     * values, compared in double precision (in float when the threshold is a float, which gives the same result).
     */
    public static void mask(float[] band, int n, double threshold, byte[] out) {
        float t = (float) threshold;
        boolean exact = t == threshold;
        for (int k = 0; k < n; k++) {
            out[k] = (exact ? band[k] >= t : band[k] >= threshold) ? (byte) 1 : (byte) 0;
        }
    }

    /**
     * Thresholds probabilities into a 0/1 mask: {@code mask = value >= threshold ? 1 : 0} (the write-ups'
     * convention, team A: "if that average is >= 0.5"; the same comparison as the pipeline's threshold search, in
     * double precision), passing bands on unchanged in position.
     */
    public static RowSink threshold(double threshold, MaskRowSink next) {
        Objects.requireNonNull(next, "next");
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold must be a number, got NaN");
        }
        return new RowSink() {
            private int width;
            private byte[] buf = new byte[0];

            @Override
            public void begin(long width, long height) throws IOException {
                this.width = Math.toIntExact(width);
                next.begin(width, height);
            }

            @Override
            public void accept(long y0, int rows, float[] band) throws IOException {
                int n = rows * width;
                if (buf.length < n) {
                    buf = new byte[n];
                }
                mask(band, n, threshold, buf);
                next.accept(y0, rows, buf);
            }

            @Override
            public void acceptDouble(long y0, int rows, double[] band, int w) throws IOException {
                int n = rows * width;
                if (buf.length < n) {
                    buf = new byte[n];
                }
                for (int k = 0; k < n; k++) {
                    buf[k] = band[k] >= threshold ? (byte) 1 : (byte) 0;
                }
                next.accept(y0, rows, buf);
            }

            @Override
            public void end() throws IOException {
                next.end();
            }
        };
    }

    /**
     * Removes 8-connected foreground components smaller than {@code minSize} pixels while streaming (see
     * {@link ComponentFilter}); {@code minSize <= 1} passes the mask through unchanged.
     */
    public static MaskRowSink removeSmallComponents(long minSize, MaskRowSink next) {
        Objects.requireNonNull(next, "next");
        if (minSize < 0) {
            throw new IllegalArgumentException("minSize must be >= 0, got " + minSize);
        }
        return minSize <= 1 ? next : new ComponentFilter(minSize, next);
    }

    /** Sends every band of values to both sinks (double-precision bands stay double). */
    public static RowSink teeValues(RowSink a, RowSink b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        return new RowSink() {
            @Override
            public void begin(long width, long height) throws IOException {
                a.begin(width, height);
                b.begin(width, height);
            }

            @Override
            public void accept(long y0, int rows, float[] band) throws IOException {
                a.accept(y0, rows, band);
                b.accept(y0, rows, band);
            }

            @Override
            public void acceptDouble(long y0, int rows, double[] band, int width) throws IOException {
                a.acceptDouble(y0, rows, band, width);
                b.acceptDouble(y0, rows, band, width);
            }

            @Override
            public void end() throws IOException {
                a.end();
                b.end();
            }
        };
    }

    /** Sends every band to both sinks. */
    public static MaskRowSink tee(MaskRowSink a, MaskRowSink b) {
        return new MaskRowSink() {
            @Override
            public void begin(long width, long height) throws IOException {
                a.begin(width, height);
                b.begin(width, height);
            }

            @Override
            public void accept(long y0, int rows, byte[] band) throws IOException {
                a.accept(y0, rows, band);
                b.accept(y0, rows, band);
            }

            @Override
            public void end() throws IOException {
                a.end();
                b.end();
            }
        };
    }
}
