package io.github.hubmapseg.core.rle;

/**
 * Kaggle run-length encoding of binary masks (HuBMAP convention): pixels are numbered column-major
 * (down each column, then the next column, i.e. {@code mask.T.flatten()}), starting at 1; the string is
 * {@code start length} pairs joined by single spaces, ascending and maximal; a run may continue from the
 * bottom of one column to the top of the next; the empty mask encodes to {@code ""}.
 *
 * <p>Masks are row-major {@code byte[height * width]} arrays ({@code mask[y * width + x]}), non-zero meaning
 * foreground.
 */
public final class Rle {

    private Rle() {
    }

    /**
     * Encodes a row-major mask.
     *
     * @param mask   row-major mask, non-zero = foreground, length {@code height * width}
     * @param height number of rows
     * @param width  number of columns
     * @return the Kaggle RLE string
     */
    public static String encode(byte[] mask, int height, int width) {
        checkShape(mask.length, height, width);
        StringBuilder sb = new StringBuilder();
        long start = -1;
        long n = 0;
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++, n++) {
                boolean on = mask[y * width + x] != 0;
                if (on && start < 0) {
                    start = n;
                } else if (!on && start >= 0) {
                    append(sb, start, n - start);
                    start = -1;
                }
            }
        }
        if (start >= 0) {
            append(sb, start, n - start);
        }
        return sb.toString();
    }

    /**
     * Decodes an RLE string into a row-major mask of 0/1.
     *
     * @throws IllegalArgumentException naming the offending token and its position for malformed input
     */
    public static byte[] decode(String rle, int height, int width) {
        checkShape((long) height * width, height, width);
        byte[] mask = new byte[height * width];
        long total = (long) height * width;
        String s = rle.strip();
        if (s.isEmpty()) {
            return mask;
        }
        String[] tok = s.split("\\s+");
        if (tok.length % 2 != 0) {
            throw new IllegalArgumentException("RLE must have an even number of tokens (start length pairs), got "
                    + tok.length);
        }
        for (int i = 0; i < tok.length; i += 2) {
            long start = parse(tok[i], i);
            long len = parse(tok[i + 1], i + 1);
            if (start < 1) {
                throw new IllegalArgumentException("RLE start must be >= 1, got " + tok[i] + " at token " + i);
            }
            if (len < 1) {
                throw new IllegalArgumentException("RLE length must be >= 1, got " + tok[i + 1] + " at token " + (i + 1));
            }
            if (start - 1 + len > total) {
                throw new IllegalArgumentException("RLE run " + start + " " + len + " at token " + i
                        + " ends past the last pixel " + total + " (height " + height + " x width " + width + ")");
            }
            for (long p = start - 1; p < start - 1 + len; p++) {
                int x = (int) (p / height);
                int y = (int) (p % height);
                mask[y * width + x] = 1;
            }
        }
        return mask;
    }

    private static long parse(String token, int pos) {
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("RLE token " + pos + " must be an integer, got '" + token + "'");
        }
    }

    private static void append(StringBuilder sb, long start0, long len) {
        if (sb.length() > 0) {
            sb.append(' ');
        }
        sb.append(start0 + 1).append(' ').append(len);
    }

    private static void checkShape(long length, int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("mask height and width must be > 0, got " + height + " x " + width);
        }
        if (length != (long) height * width) {
            throw new IllegalArgumentException("mask length must be height*width = " + (long) height * width
                    + ", got " + length);
        }
    }
}
