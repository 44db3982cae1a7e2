package io.github.hubmapseg.tiling.sink;

import io.github.hubmapseg.core.geom.ContourTracer;
import io.github.hubmapseg.core.geom.MaskPolygon;
import io.github.hubmapseg.core.geom.Polygons;
import java.io.IOException;
import java.util.Objects;

/**
 * A sink that turns the streamed output into polygons as the bands go past ({@link ContourTracer}: never the
 * whole mask; objects that continue into the next band are continued; holes kept), simplified and handed to a
 * consumer (for example {@link io.github.hubmapseg.core.geom.GeoJsonWriter#write}) as soon as each outline
 * closes.
 *
 * <p>As a {@link RowSink} it thresholds the values by the rule of {@link RowSinks#threshold}
 * ({@code p >= threshold}) and averages them over each object ({@link MaskPolygon#meanValue}); as a {@link MaskRowSink} it
 * takes a mask as it is (no mean). With {@link Builder#scale} the rows are the engine's {@code 1/reduce} grid and
 * the polygons, areas and means are of the level-0 mask that nearest-neighbour upsampling gives
 * (the pipeline's {@code UpsampleSinks}); {@link Builder#minPixels} drops the objects the
 * engine's small-component filter removes (same 8-connected components, same grid-pixel count).
 */
public final class PolygonSink implements RowSink, MaskRowSink {

    /** Receives finished objects. */
    @FunctionalInterface
    public interface Consumer {
        /** One finished object. */
        void accept(MaskPolygon object) throws IOException;
    }

    private final Consumer consumer;
    private final double threshold;
    private final int reduce;
    private final long fullWidth;
    private final long fullHeight;
    private final long minPixels;
    private final double tolerance;
    private final java.util.function.DoubleUnaryOperator score;
    private ContourTracer tracer;
    private byte[] buf = new byte[0];
    private float[] fbuf = new float[0];
    private float[] sbuf = new float[0];
    private long objects;

    private PolygonSink(Builder b) {
        this.consumer = b.consumer;
        this.threshold = b.threshold;
        this.reduce = b.reduce;
        this.fullWidth = b.fullWidth;
        this.fullHeight = b.fullHeight;
        this.minPixels = b.minPixels;
        this.tolerance = b.tolerance;
        this.score = b.score;
    }

    /** A builder; {@code consumer} receives every finished object. */
    public static Builder builder(Consumer consumer) {
        return new Builder(consumer);
    }

    @Override
    public void begin(long width, long height) throws IOException {
        if (reduce == 1 && fullWidth == 0) {
            tracer = ContourTracer.scaled(width, height, 1, minPixels);
        } else {
            tracer = ContourTracer.scaled(fullWidth, fullHeight, reduce, minPixels);
            if (tracer.width() != width || tracer.height() != height) {
                throw new IllegalArgumentException("rows of " + width + " x " + height + " do not match the 1/"
                        + reduce + " grid of " + fullWidth + " x " + fullHeight + " (" + tracer.width() + " x "
                        + tracer.height() + ")");
            }
        }
        objects = 0;
    }

    private void check(long y0) {
        if (tracer == null) {
            throw new IllegalStateException("begin(width, height) must be called before the first band");
        }
        if (y0 != tracer.rowsAdded()) {
            throw new IllegalArgumentException("bands must arrive top to bottom without gaps: expected row "
                    + tracer.rowsAdded() + ", got " + y0);
        }
    }

    @Override
    public void accept(long y0, int rows, float[] band) throws IOException {
        check(y0);
        int w = tracer.width();
        int n = rows * w;
        if (buf.length < n) {
            buf = new byte[n];
        }
        RowSinks.mask(band, n, threshold, buf);
        float[] sc = scores(band, n);
        for (int j = 0; j < rows; j++) {
            tracer.addRow(buf, j * w, band, j * w, sc, j * w);
            drain();
        }
    }

    /** The per-pixel scores of the foreground values ({@link Builder#score}), or {@code null} without a score. */
    private float[] scores(float[] band, int n) {
        if (score == null) {
            return null;
        }
        if (sbuf.length < n) {
            sbuf = new float[n];
        }
        for (int k = 0; k < n; k++) {
            sbuf[k] = buf[k] != 0 ? (float) score.applyAsDouble(band[k]) : 0f;
        }
        return sbuf;
    }

    @Override
    public void acceptDouble(long y0, int rows, double[] band, int width) throws IOException {
        check(y0);
        int n = rows * tracer.width();
        if (buf.length < n) {
            buf = new byte[n];
            fbuf = new float[n];
        }
        for (int k = 0; k < n; k++) {
            buf[k] = band[k] >= threshold ? (byte) 1 : (byte) 0;
            fbuf[k] = (float) band[k];
        }
        int w = tracer.width();
        float[] sc = scores(fbuf, n);
        for (int j = 0; j < rows; j++) {
            tracer.addRow(buf, j * w, fbuf, j * w, sc, j * w);
            drain();
        }
    }

    @Override
    public void accept(long y0, int rows, byte[] band) throws IOException {
        check(y0);
        int w = tracer.width();
        for (int j = 0; j < rows; j++) {
            tracer.addRow(band, j * w, null, 0);
            drain();
        }
    }

    @Override
    public void end() throws IOException {
        if (tracer == null) {
            throw new IllegalStateException("end() called before begin()");
        }
        tracer.finish();
        drain();
        tracer = null;
    }

    /** Objects handed to the consumer since {@link #begin}. */
    public long objects() {
        return objects;
    }

    private void drain() throws IOException {
        for (MaskPolygon p; (p = tracer.poll()) != null; ) {
            consumer.accept(Polygons.simplify(p, tolerance));
            objects++;
        }
    }

    /** Settings of a {@link PolygonSink}. */
    public static final class Builder {
        private final Consumer consumer;
        private double threshold = 0.5;
        private int reduce = 1;
        private long fullWidth;
        private long fullHeight;
        private long minPixels;
        private double tolerance;
        private java.util.function.DoubleUnaryOperator score;

        private Builder(Consumer consumer) {
            this.consumer = Objects.requireNonNull(consumer, "consumer");
        }

        /** Foreground is {@code value >= threshold} (default 0.5, {@link RowSinks#threshold}'s rule); not for masks. */
        public Builder threshold(double threshold) {
            if (Double.isNaN(threshold)) {
                throw new IllegalArgumentException("threshold must be a number, got NaN");
            }
            this.threshold = threshold;
            return this;
        }

        /** Rows are the {@code 1/reduce} grid of a level-0 image of {@code fullWidth x fullHeight}. */
        public Builder scale(int reduce, long fullWidth, long fullHeight) {
            if (reduce < 1 || fullWidth < 1 || fullHeight < 1) {
                throw new IllegalArgumentException("scale needs reduce >= 1 and a positive size, got " + reduce + ", "
                        + fullWidth + " x " + fullHeight);
            }
            this.reduce = reduce;
            this.fullWidth = fullWidth;
            this.fullHeight = fullHeight;
            return this;
        }

        /** Drops objects of fewer grid pixels (the engine's {@code minComponentSize}); default 0 (none). */
        public Builder minPixels(long minPixels) {
            if (minPixels < 0) {
                throw new IllegalArgumentException("minPixels must be >= 0, got " + minPixels);
            }
            this.minPixels = minPixels;
            return this;
        }

        /**
         * Topology-preserving simplification tolerance in level-0 pixels ({@link Polygons#simplify});
         * 0 (default) keeps the exact outline.
         */
        public Builder simplify(double tolerance) {
            if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
                throw new IllegalArgumentException("simplify tolerance must be >= 0 pixels, got " + tolerance);
            }
            this.tolerance = tolerance;
            return this;
        }

        /**
         * A second per-pixel measurement {@code f(value)} averaged over each object like the value
         * ({@link MaskPolygon#meanScore}; e.g. the 10th place's energy score {@code -log(1 - p)},
         * {@code post.EnergyFilter::energy}); rows of values only, not masks. Default none.
         */
        public Builder score(java.util.function.DoubleUnaryOperator f) {
            this.score = Objects.requireNonNull(f, "score");
            return this;
        }

        /** The sink. */
        public PolygonSink build() {
            return new PolygonSink(this);
        }
    }
}
