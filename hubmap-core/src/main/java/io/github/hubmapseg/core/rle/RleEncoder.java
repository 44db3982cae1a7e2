package io.github.hubmapseg.core.rle;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Streaming Kaggle RLE encoder: receives a row-major mask as successive bands of rows (top to bottom, any
 * band height, e.g. from a stitcher) and never holds the whole mask or its transpose. It keeps only the last
 * row received ({@code width} bytes) and, per column, the rows where the column switches between background
 * and foreground, so its memory is {@code O(width + number of runs)}.
 *
 * <p>Transitions are found by comparing each row with the previous one eight pixels at a time (a {@code long}
 * word), skipping equal words; large bands are split over column ranges and scanned on the common
 * fork-join pool. Non-zero bytes are foreground. Typical use:
 *
 * <pre>{@code
 * RleEncoder enc = new RleEncoder(height, width);
 * for (byte[] band : bands) enc.addRows(band, band.length / width);
 * String rle = enc.finish().toRle();
 * }</pre>
 *
 * <p>Not thread-safe: call it from one thread (it parallelises internally).
 */
public final class RleEncoder {

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH = 0x8080808080808080L;
    /** Bands with at least this many pixels are scanned in parallel. */
    static final long PARALLEL_PIXELS = 1L << 21;

    private final int height;
    private final int width;
    private final byte[] prev;
    private final int[][] toggles;
    private final int[] counts;
    private int rows;
    private boolean finished;

    /**
     * Starts an encoder for a mask of the given shape.
     *
     * @param height number of rows (y), {@code > 0}
     * @param width  number of columns (x), {@code > 0}
     */
    public RleEncoder(int height, int width) {
        RleRuns.checkShape(height, width);
        this.height = height;
        this.width = width;
        this.prev = new byte[width];
        this.toggles = new int[width][];
        this.counts = new int[width];
    }

    /** Mask height (rows). */
    public int height() {
        return height;
    }

    /** Mask width (columns). */
    public int width() {
        return width;
    }

    /** Number of rows received so far. */
    public int rowsAdded() {
        return rows;
    }

    /**
     * Adds the next {@code nRows} rows, read row-major from the start of {@code band}.
     *
     * @see #addRows(byte[], int, int)
     */
    public RleEncoder addRows(byte[] band, int nRows) {
        return addRows(band, 0, nRows);
    }

    /**
     * Adds the next {@code nRows} rows of the mask: {@code band[offset + r * width + x]} is pixel
     * {@code (x, rowsAdded() + r)}; non-zero is foreground.
     *
     * @param band   row-major rows of exactly {@code width} pixels each
     * @param offset index of the first pixel of the first row in {@code band}
     * @param nRows  number of rows, {@code >= 0}
     * @return this encoder
     * @throws IllegalArgumentException if the band is too short or the rows would pass the mask height
     * @throws IllegalStateException    after {@link #finish()}
     */
    public RleEncoder addRows(byte[] band, int offset, int nRows) {
        return addRows(band, offset, nRows, chunksFor((long) nRows * width));
    }

    RleEncoder addRows(byte[] band, int offset, int nRows, int chunks) {
        if (finished) {
            throw new IllegalStateException("RleEncoder already finished");
        }
        if (nRows < 0) {
            throw new IllegalArgumentException("nRows must be >= 0, got " + nRows);
        }
        if (nRows > height - rows) {
            throw new IllegalArgumentException("adding " + nRows + " rows would pass the mask height " + height
                    + " (" + rows + " rows added so far)");
        }
        if (offset < 0 || (long) offset + (long) nRows * width > band.length) {
            throw new IllegalArgumentException("band of length " + band.length + " must hold " + nRows + " rows of "
                    + width + " pixels from offset " + offset);
        }
        if (nRows == 0) {
            return this;
        }
        int y0 = rows;
        scanParallel(chunks, (x0, x1) -> {
            for (int r = 0; r < nRows; r++) {
                if (r == 0) {
                    compareRow(band, offset, prev, 0, x0, x1, y0);
                } else {
                    compareRow(band, offset + r * width, band, offset + (r - 1) * width, x0, x1, y0 + r);
                }
            }
        });
        System.arraycopy(band, offset + (nRows - 1) * width, prev, 0, width);
        rows += nRows;
        return this;
    }

    /**
     * Ends the mask and returns its canonical runs (runs wrapping from the bottom of a column to the top of
     * the next are merged). The encoder cannot be used afterwards.
     *
     * @throws IllegalStateException if fewer than {@code height} rows were added, or already finished
     */
    public RleRuns finish() {
        if (finished) {
            throw new IllegalStateException("RleEncoder already finished");
        }
        if (rows != height) {
            throw new IllegalStateException("RleEncoder received " + rows + " of " + height + " rows");
        }
        compareRow(new byte[width], 0, prev, 0, 0, width, height);
        finished = true;
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        int n = (int) (total / 2);
        long[] st = new long[n];
        long[] ln = new long[n];
        int k = 0;
        long h = height;
        for (int x = 0; x < width; x++) {
            int[] t = toggles[x];
            int c = counts[x];
            long base = x * h;
            for (int i = 0; i < c; i += 2) {
                long s = base + t[i];
                long e = base + t[i + 1];
                if (k > 0 && st[k - 1] + ln[k - 1] == s) {
                    ln[k - 1] += e - s;
                } else {
                    st[k] = s;
                    ln[k] = e - s;
                    k++;
                }
            }
            toggles[x] = null;
        }
        if (k != n) {
            st = Arrays.copyOf(st, k);
            ln = Arrays.copyOf(ln, k);
        }
        return new RleRuns(height, width, st, ln);
    }

    /** Compares row {@code cur} with row {@code prv} over columns {@code [x0, x1)}, recording toggles at row y. */
    private void compareRow(byte[] cur, int co, byte[] prv, int po, int x0, int x1, int y) {
        int x = x0;
        for (; x + 32 <= x1; x += 32) {
            long a0 = (long) LONG.get(cur, co + x);
            long b0 = (long) LONG.get(prv, po + x);
            long a1 = (long) LONG.get(cur, co + x + 8);
            long b1 = (long) LONG.get(prv, po + x + 8);
            long a2 = (long) LONG.get(cur, co + x + 16);
            long b2 = (long) LONG.get(prv, po + x + 16);
            long a3 = (long) LONG.get(cur, co + x + 24);
            long b3 = (long) LONG.get(prv, po + x + 24);
            if (((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2) | (a3 ^ b3)) == 0) {
                continue;
            }
            word(a0, b0, x, y);
            word(a1, b1, x + 8, y);
            word(a2, b2, x + 16, y);
            word(a3, b3, x + 24, y);
        }
        for (; x + 8 <= x1; x += 8) {
            word((long) LONG.get(cur, co + x), (long) LONG.get(prv, po + x), x, y);
        }
        for (; x < x1; x++) {
            if ((cur[co + x] != 0) != (prv[po + x] != 0)) {
                add(x, y);
            }
        }
    }

    private void word(long a, long b, int x, int y) {
        if (a == b) {
            return;
        }
        long d = nonZero(a) ^ nonZero(b);
        while (d != 0) {
            add(x + (Long.numberOfTrailingZeros(d) >>> 3), y);
            d &= d - 1;
        }
    }

    /** High bit of each byte set where that byte is non-zero. */
    static long nonZero(long v) {
        return (((v & LOW7) + LOW7) | v) & HIGH;
    }

    private void add(int x, int y) {
        int[] t = toggles[x];
        int c = counts[x];
        if (t == null) {
            t = new int[4];
            toggles[x] = t;
        } else if (c == t.length) {
            t = Arrays.copyOf(t, c * 2);
            toggles[x] = t;
        }
        t[c] = y;
        counts[x] = c + 1;
    }

    /** A column range task. */
    interface ColumnTask {
        void run(int x0, int x1);
    }

    private void scanParallel(int chunks, ColumnTask task) {
        int n = Math.max(1, Math.min(chunks, width / 64));
        if (n == 1) {
            task.run(0, width);
            return;
        }
        IntStream.range(0, n).parallel().forEach(i -> {
            int x0 = split(width, n, i);
            int x1 = split(width, n, i + 1);
            task.run(x0, x1);
        });
    }

    /** Boundary i of n chunks over [0, len), on multiples of 64 (a cache line) except the last. */
    static int split(int len, int n, int i) {
        if (i >= n) {
            return len;
        }
        long b = (long) len * i / n;
        return (int) (b & ~63L);
    }

    static int chunksFor(long pixels) {
        return pixels >= PARALLEL_PIXELS ? Runtime.getRuntime().availableProcessors() : 1;
    }
}
