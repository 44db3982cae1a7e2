package io.github.hubmapseg.tiling.sink;

/**
 * Collects the whole output in memory, row-major {@code values()[y * width + x]}: for small inputs and
 * tests only (at most 2^31 - 1 pixels). Keeps double precision when the engine runs in double.
 */
public final class FloatImageSink implements RowSink {

    private int width;
    private int height;
    private double[] values;

    @Override
    public void begin(long width, long height) {
        if (width * height > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an in-memory image holds at most 2^31 - 9 pixels, got " + width
                    + " x " + height + "; stream the rows to a file sink instead");
        }
        this.width = (int) width;
        this.height = (int) height;
        this.values = new double[this.width * this.height];
    }

    @Override
    public void accept(long y0, int rows, float[] band) {
        int o = (int) y0 * width;
        for (int k = 0; k < rows * width; k++) {
            values[o + k] = band[k];
        }
    }

    @Override
    public void acceptDouble(long y0, int rows, double[] band, int w) {
        System.arraycopy(band, 0, values, (int) y0 * width, rows * width);
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /** The collected values, row-major (not copied). */
    public double[] values() {
        return values;
    }

    /** The collected values narrowed to float32, row-major. */
    public float[] floats() {
        float[] f = new float[values.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) values[k];
        }
        return f;
    }
}
