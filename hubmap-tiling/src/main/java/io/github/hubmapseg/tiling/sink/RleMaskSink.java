package io.github.hubmapseg.tiling.sink;

import io.github.hubmapseg.core.rle.RleEncoder;
import io.github.hubmapseg.core.rle.RleRuns;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@link MaskRowSink} that run-length encodes the mask as it streams past (Kaggle convention, see
 * {@link io.github.hubmapseg.core.rle.Rle}), through the core's {@link RleEncoder}: memory is
 * {@code O(width + number of runs)}, never the whole mask or its transpose. When the last band has arrived
 * the runs go to the consumer given at construction (for example a submission writer) and are also kept
 * for {@link #runs()}.
 */
public final class RleMaskSink implements MaskRowSink {

    private final Consumer<RleRuns> onFinish;
    private RleEncoder encoder;
    private RleRuns runs;

    /** A sink that only keeps the runs for {@link #runs()}. */
    public RleMaskSink() {
        this(r -> { });
    }

    /** A sink that hands the finished runs to {@code onFinish}. */
    public RleMaskSink(Consumer<RleRuns> onFinish) {
        this.onFinish = Objects.requireNonNull(onFinish, "onFinish");
    }

    @Override
    public void begin(long width, long height) {
        if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("RLE masks must be below 2^31 pixels per side, got "
                    + width + " x " + height);
        }
        encoder = new RleEncoder((int) height, (int) width);
        runs = null;
    }

    @Override
    public void accept(long y0, int rows, byte[] band) {
        if (encoder == null) {
            throw new IllegalStateException("begin(width, height) must be called before the first band");
        }
        if (y0 != encoder.rowsAdded()) {
            throw new IllegalArgumentException("bands must arrive top to bottom without gaps: expected row "
                    + encoder.rowsAdded() + ", got " + y0);
        }
        encoder.addRows(band, 0, rows);
    }

    @Override
    public void end() throws IOException {
        if (encoder == null) {
            throw new IllegalStateException("end() called before begin()");
        }
        runs = encoder.finish();
        encoder = null;
        onFinish.accept(runs);
    }

    /** The finished runs; {@code null} before {@link #end()}. */
    public RleRuns runs() {
        return runs;
    }
}
