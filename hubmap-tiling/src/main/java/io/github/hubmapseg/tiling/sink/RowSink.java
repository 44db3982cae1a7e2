package io.github.hubmapseg.tiling.sink;

import java.io.IOException;

/**
 * Receives the finished output of {@link io.github.hubmapseg.tiling.SlidingWindow} as bands of whole rows,
 * top to bottom, each row exactly once: probabilities (or the blended model output) in row-major order,
 * {@code band[(y - y0) * width + x]}. The band array is reused by the caller after {@link #accept}
 * returns; copy what you keep.
 */
public interface RowSink {

    /** Called once before the first band with the output size in pixels. */
    default void begin(long width, long height) throws IOException {
    }

    /**
     * One band of {@code rows} finished rows starting at row {@code y0}; the first {@code rows * width}
     * values of {@code band} are valid.
     */
    void accept(long y0, int rows, float[] band) throws IOException;

    /**
     * Double-precision band (engine in {@code Precision.DOUBLE}); by default narrowed to float and passed to
     * {@link #accept(long, int, float[])}.
     */
    default void acceptDouble(long y0, int rows, double[] band, int width) throws IOException {
        float[] f = new float[rows * width];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) band[k];
        }
        accept(y0, rows, f);
    }

    /** Called once after the last band. */
    default void end() throws IOException {
    }
}
