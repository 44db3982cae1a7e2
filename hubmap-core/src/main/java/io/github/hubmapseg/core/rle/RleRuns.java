package io.github.hubmapseg.core.rle;

import java.util.Arrays;

/**
 * The runs of a Kaggle RLE mask, without the string: what {@link Rle#parse} returns and what the encoders
 * produce, so that callers (Dice, window decoding, submissions) can work on runs directly.
 *
 * <p>Pixels are numbered column-major ({@code p = x * height + y}, down each column, then the next column)
 * and, unlike the RLE string, from <b>0</b>. Run {@code i} covers pixels {@code starts[i] .. starts[i] +
 * lengths[i] - 1}. Runs are canonical: sorted, non-empty, inside the mask, and maximal (two runs never touch
 * or overlap), so a mask has exactly one {@code RleRuns}. A run may continue from the bottom of column x to
 * the top of column x + 1.
 *
 * <p>The arrays are owned by the record: do not modify them (the accessors do not copy, for speed).
 *
 * @param height  mask height (rows, y), {@code > 0}
 * @param width   mask width (columns, x), {@code > 0}
 * @param starts  0-based column-major start pixel of each run, ascending
 * @param lengths length of each run in pixels, {@code >= 1}
 */
public record RleRuns(int height, int width, long[] starts, long[] lengths) {

    /**
     * Validates the canonical form.
     *
     * @throws IllegalArgumentException if the shape is not positive, the arrays differ in length, or the runs
     *                                  are not sorted, maximal and inside the mask
     */
    public RleRuns {
        checkShape(height, width);
        if (starts == null || lengths == null) {
            throw new IllegalArgumentException("starts and lengths must not be null");
        }
        if (starts.length != lengths.length) {
            throw new IllegalArgumentException("starts and lengths must have the same length, got "
                    + starts.length + " and " + lengths.length);
        }
        long total = (long) height * width;
        long prevEnd = -1;
        for (int i = 0; i < starts.length; i++) {
            long s = starts[i];
            long n = lengths[i];
            if (s < 0 || n < 1 || s + n > total) {
                throw new IllegalArgumentException("run " + i + " (start " + s + ", length " + n
                        + ") must have start >= 0, length >= 1 and end <= height*width = " + total);
            }
            if (s <= prevEnd) {
                throw new IllegalArgumentException("run " + i + " (start " + s + ") must start after the end "
                        + prevEnd + " of the previous run (runs sorted and maximal)");
            }
            prevEnd = s + n;
        }
    }

    /** The empty mask of this shape. */
    public static RleRuns empty(int height, int width) {
        return new RleRuns(height, width, new long[0], new long[0]);
    }

    /** Number of runs. */
    public int size() {
        return starts.length;
    }

    /** Number of foreground pixels (sum of the run lengths). */
    public long area() {
        long a = 0;
        for (long n : lengths) {
            a += n;
        }
        return a;
    }

    /** The Kaggle RLE string (1-based starts, single spaces, {@code ""} for the empty mask). */
    public String toRle() {
        return Rle.format(this);
    }

    /**
     * Decodes into a new row-major {@code byte[height * width]} mask of 0/1.
     *
     * @throws IllegalArgumentException if {@code height * width} does not fit in a Java array
     */
    public byte[] toMask() {
        return Rle.decode(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RleRuns r && r.height == height && r.width == width
                && Arrays.equals(r.starts, starts) && Arrays.equals(r.lengths, lengths);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * height + width) + Arrays.hashCode(starts)) + Arrays.hashCode(lengths);
    }

    @Override
    public String toString() {
        return "RleRuns[" + height + "x" + width + ", " + starts.length + " runs, area " + area() + "]";
    }

    static void checkShape(int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("mask height and width must be > 0, got height " + height
                    + ", width " + width);
        }
    }
}
