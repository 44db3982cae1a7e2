package io.github.hubmapseg.tiling;

import io.github.hubmapseg.tiling.sink.RowSink;
import io.github.hubmapseg.tiling.sink.UpsampleSinks;

/**
 * The rows one member has emitted at its own scale and the engine has not combined yet: a window of reduced
 * rows {@code [lo, hi)} that grows at the bottom as the member's pass steps and shrinks at the top as the engine
 * combines level-0 rows; {@link #level0Row} brings a row to level 0 ({@link UpsampleSinks#row}).
 */
final class MemberRows implements RowSink {
    private final int reduce;
    private final int fullWidth;
    private final long fullHeight;
    private final int width;
    private final long height;
    private float[] buf;
    private long lo;
    private long hi;

    MemberRows(long fullWidth, long fullHeight, int reduce, int capacityRows) {
        this.reduce = reduce;
        this.fullWidth = Math.toIntExact(fullWidth);
        this.fullHeight = fullHeight;
        this.width = (int) ((fullWidth + reduce - 1) / reduce);
        this.height = (fullHeight + reduce - 1) / reduce;
        this.buf = new float[Math.multiplyExact(Math.max(1, capacityRows), width)];
    }

    @Override
    public void begin(long w, long h) {
        if (w != width || h != height) {
            throw new IllegalStateException("internal: member rows are " + w + "x" + h + ", expected " + width + "x"
                    + height + " at reduce " + reduce);
        }
    }

    @Override
    public void accept(long y0, int rows, float[] band) {
        if (y0 != hi) {
            throw new IllegalStateException("internal: member row " + y0 + " arrived, expected " + hi);
        }
        int held = (int) (hi - lo);
        int need = (held + rows) * width;
        if (need > buf.length) {
            float[] b = new float[Math.max(need, buf.length + buf.length / 2)];
            System.arraycopy(buf, 0, b, 0, held * width);
            buf = b;
        }
        System.arraycopy(band, 0, buf, held * width, rows * width);
        hi += rows;
    }

    /** Level-0 rows available: {@code [0, level0Available())} can be read. */
    long level0Available() {
        return hi >= height ? fullHeight : hi * reduce;
    }

    /** Level-0 row {@code y} into {@code dst[0, fullWidth)}. */
    void level0Row(long y, float[] dst) {
        long r = y / reduce;
        if (r < lo || r >= hi) {
            throw new IllegalStateException("internal: level-0 row " + y + " needs member row " + r + ", held " + lo
                    + ".." + hi);
        }
        UpsampleSinks.row(buf, (int) (r - lo) * width, reduce, dst, 0, fullWidth);
    }

    /** Forgets member rows that no level-0 row from {@code y} on needs. */
    void dropBefore(long y) {
        long keep = Math.min(hi, y / reduce);
        if (keep > lo) {
            int n = (int) (keep - lo);
            System.arraycopy(buf, n * width, buf, 0, (int) (hi - keep) * width);
            lo = keep;
        }
    }

    /** Bytes held now. */
    long bytes() {
        return 4L * buf.length;
    }
}
