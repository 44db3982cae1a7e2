package io.github.hubmapseg.core.rle;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.IntStream;
import net.imglib2.Interval;

/**
 * Kaggle run-length encoding of binary masks (HuBMAP convention): pixels are numbered column-major
 * (down each column, then the next column, i.e. {@code mask.T.flatten()}), starting at 1; the string is
 * {@code start length} pairs joined by single spaces, ascending and maximal; a run may continue from the
 * bottom of one column to the top of the next; the empty mask encodes to {@code ""}.
 *
 * <p>Masks are row-major {@code byte[height * width]} arrays ({@code mask[y * width + x]}), non-zero meaning
 * foreground; decoders write 0 and 1 (or a chosen foreground value). {@link RleRuns} holds parsed runs
 * (0-based); {@link RleEncoder} encodes a mask arriving as row bands; {@link #decodeWindow} decodes a crop
 * without building the full mask.
 *
 * <p>Decoding accepts non-canonical strings (unsorted, touching or overlapping runs, extra whitespace) and
 * decodes them to the union of their runs; it rejects an odd number of tokens, a token that is not an
 * integer, a start below 1, a length below 1 and a run past {@code height * width} with an
 * {@link IllegalArgumentException} naming the token, its position (tokens are numbered from 1) and the
 * character offset where it begins.
 */
public final class Rle {

    private Rle() {
    }

    // ------------------------------------------------------------------------------------------ encode

    /**
     * Encodes a row-major mask.
     *
     * @param mask   row-major mask, non-zero = foreground, length {@code height * width}
     * @param height number of rows
     * @param width  number of columns
     * @return the Kaggle RLE string
     */
    public static String encode(byte[] mask, int height, int width) {
        return format(runs(mask, height, width));
    }

    /**
     * The canonical runs of a row-major mask (non-zero = foreground).
     *
     * @throws IllegalArgumentException if the shape is not positive or {@code mask.length != height * width}
     */
    public static RleRuns runs(byte[] mask, int height, int width) {
        checkShape(mask.length, height, width);
        return new RleEncoder(height, width).addRows(mask, 0, height).finish();
    }

    /** A streaming encoder for a mask of this shape, fed with row bands; see {@link RleEncoder}. */
    public static RleEncoder encoder(int height, int width) {
        return new RleEncoder(height, width);
    }

    /** The Kaggle RLE string of canonical runs (1-based starts). */
    public static String format(RleRuns runs) {
        long[] st = runs.starts();
        long[] ln = runs.lengths();
        int n = st.length;
        if (n == 0) {
            return "";
        }
        int digits = digits((long) runs.height() * runs.width());
        long cap = (long) n * (2L * digits + 2);
        if (cap > Integer.MAX_VALUE - 16) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    sb.append(' ');
                }
                sb.append(st[i] + 1).append(' ').append(ln[i]);
            }
            return sb.toString();
        }
        byte[] buf = new byte[(int) cap];
        int p = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                buf[p++] = ' ';
            }
            p = writeLong(buf, p, st[i] + 1);
            buf[p++] = ' ';
            p = writeLong(buf, p, ln[i]);
        }
        return new String(buf, 0, p, StandardCharsets.ISO_8859_1);
    }

    private static int digits(long v) {
        int d = 1;
        while (v >= 10) {
            v /= 10;
            d++;
        }
        return d;
    }

    private static int writeLong(byte[] buf, int p, long v) {
        int d = digits(v);
        int end = p + d;
        int q = end;
        while (v >= 10) {
            long r = v / 10;
            buf[--q] = (byte) ('0' + (int) (v - r * 10));
            v = r;
        }
        buf[--q] = (byte) ('0' + (int) v);
        return end;
    }

    // ------------------------------------------------------------------------------------------ parse

    /**
     * Parses and validates an RLE string into canonical runs (the union of its runs, sorted and merged).
     *
     * @param rle    the RLE string ({@code ""} or whitespace only: the empty mask)
     * @param height mask height
     * @param width  mask width
     * @throws IllegalArgumentException for malformed input, naming the offending token and its position
     */
    public static RleRuns parse(String rle, int height, int width) {
        RleRuns.checkShape(height, width);
        if (rle == null) {
            throw new IllegalArgumentException("RLE string must not be null (use \"\" for an empty mask)");
        }
        long total = (long) height * width;
        int len = rle.length();
        long[] st = new long[16];
        long[] en = new long[16];
        int n = 0;
        boolean canonical = true;
        long lastEnd = -1;
        int tok = 0;
        long start = 0;
        int startTok = 0;
        int startPos = 0;
        int i = 0;
        while (true) {
            while (i < len && isSpace(rle.charAt(i))) {
                i++;
            }
            if (i >= len) {
                break;
            }
            int b = i;
            boolean neg = false;
            char c0 = rle.charAt(i);
            if (c0 == '+' || c0 == '-') {
                neg = c0 == '-';
                i++;
            }
            long v = 0;
            boolean ok = i < len && !isSpace(rle.charAt(i));
            while (i < len) {
                char c = rle.charAt(i);
                if (isSpace(c)) {
                    break;
                }
                if (c < '0' || c > '9') {
                    ok = false;
                    while (i < len && !isSpace(rle.charAt(i))) {
                        i++;
                    }
                    break;
                }
                if (v > (Long.MAX_VALUE - 9) / 10) {
                    while (i < len && !isSpace(rle.charAt(i))) {
                        i++;
                    }
                    throw tokenError(rle, tok, b, i, "is out of range (larger than " + (Long.MAX_VALUE - 9) / 10 + ")");
                }
                v = v * 10 + (c - '0');
                i++;
            }
            if (!ok) {
                throw tokenError(rle, tok, b, i, "is not an integer");
            }
            if (neg) {
                v = -v;
            }
            tok++;
            if ((tok & 1) == 1) {
                if (v < 1) {
                    throw tokenError(rle, tok - 1, b, i, "is a start and must be >= 1 (starts are 1-based)");
                }
                if (v > total) {
                    throw tokenError(rle, tok - 1, b, i, "is a start past the last pixel " + total + " of a "
                            + height + "x" + width + " (height x width) mask");
                }
                start = v;
                startTok = tok - 1;
                startPos = b;
            } else {
                if (v < 1) {
                    throw tokenError(rle, tok - 1, b, i, "is a length and must be >= 1");
                }
                if (v > total - (start - 1)) {
                    throw tokenError(rle, tok - 1, b, i, "is a length that takes the run starting at " + start
                            + " past the last pixel " + total + " of a " + height + "x" + width
                            + " (height x width) mask");
                }
                if (n == st.length) {
                    st = Arrays.copyOf(st, n * 2);
                    en = Arrays.copyOf(en, n * 2);
                }
                long s0 = start - 1;
                if (s0 <= lastEnd) {
                    canonical = false;
                }
                st[n] = s0;
                en[n] = s0 + v;
                lastEnd = s0 + v;
                n++;
            }
        }
        if ((tok & 1) == 1) {
            throw new IllegalArgumentException("RLE has an odd number of tokens (" + tok + "): token #" + (startTok + 1)
                    + " '" + rle.substring(startPos, tokenEnd(rle, startPos)) + "' (character " + startPos
                    + ") is a start without a length");
        }
        return fromIntervals(height, width, st, en, n, canonical);
    }

    /** Canonical runs from half-open intervals {@code [st[i], en[i])}; unions them unless already canonical. */
    static RleRuns fromIntervals(int height, int width, long[] st, long[] en, int n, boolean canonical) {
        long[] starts;
        long[] lengths;
        if (canonical) {
            starts = Arrays.copyOf(st, n);
            lengths = new long[n];
            for (int k = 0; k < n; k++) {
                lengths[k] = en[k] - st[k];
            }
            return new RleRuns(height, width, starts, lengths);
        }
        // Union of intervals: sort starts and ends independently and sweep the coverage depth; at equal
        // positions starts come first, so touching runs merge.
        long[] s = Arrays.copyOf(st, n);
        long[] e = Arrays.copyOf(en, n);
        Arrays.sort(s);
        Arrays.sort(e);
        starts = new long[n];
        lengths = new long[n];
        int m = 0;
        int i = 0;
        int j = 0;
        int depth = 0;
        long open = 0;
        while (i < n) {
            if (s[i] <= e[j]) {
                if (depth == 0) {
                    open = s[i];
                }
                depth++;
                i++;
            } else {
                depth--;
                if (depth == 0) {
                    starts[m] = open;
                    lengths[m] = e[j] - open;
                    m++;
                }
                j++;
            }
        }
        if (n > 0) {
            starts[m] = open;
            lengths[m] = e[n - 1] - open;
            m++;
        }
        return new RleRuns(height, width, Arrays.copyOf(starts, m), Arrays.copyOf(lengths, m));
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    private static int tokenEnd(String s, int b) {
        int i = b;
        while (i < s.length() && !isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static IllegalArgumentException tokenError(String rle, int tokIndex, int b, int e, String what) {
        String t = rle.substring(b, e);
        if (t.length() > 40) {
            t = t.substring(0, 40) + "...";
        }
        return new IllegalArgumentException("RLE token #" + (tokIndex + 1) + " '" + t + "' (character " + b + ") "
                + what);
    }

    // ------------------------------------------------------------------------------------------ decode

    /**
     * Decodes an RLE string into a row-major mask of 0/1.
     *
     * @throws IllegalArgumentException naming the offending token and its position for malformed input
     */
    public static byte[] decode(String rle, int height, int width) {
        checkShape((long) height * width, height, width);
        return decode(parse(rle, height, width));
    }

    /**
     * Decodes runs into a new row-major mask of 0/1.
     *
     * @throws IllegalArgumentException if {@code height * width} does not fit in a Java array
     */
    public static byte[] decode(RleRuns runs) {
        long total = (long) runs.height() * runs.width();
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a " + runs.height() + "x" + runs.width()
                    + " mask does not fit in one byte[]; decode windows with decodeWindow");
        }
        byte[] out = new byte[(int) total];
        decode(runs, out, (byte) 1, RleEncoder.chunksFor(total), true);
        return out;
    }

    /**
     * Decodes runs into an existing row-major mask, overwriting every pixel: foreground pixels get
     * {@code foreground}, the others 0.
     *
     * @param out        row-major mask of length {@code height * width}
     * @param foreground the value of foreground pixels (e.g. 1 or (byte) 255)
     * @throws IllegalArgumentException if {@code out} has the wrong length
     */
    public static void decodeInto(RleRuns runs, byte[] out, byte foreground) {
        decodeInto(runs, out, foreground, RleEncoder.chunksFor((long) runs.height() * runs.width()));
    }

    static void decodeInto(RleRuns runs, byte[] out, byte foreground, int chunks) {
        decode(runs, out, foreground, chunks, false);
    }

    /**
     * Decodes into {@code out}; {@code zeroed}: {@code out} is known to be all 0 (a new array), so only the
     * 64-pixel blocks of each row that hold foreground are written.
     */
    static void decode(RleRuns runs, byte[] out, byte foreground, int chunks, boolean zeroed) {
        if (foreground == 0) {
            throw new IllegalArgumentException("foreground value must be non-zero, got 0");
        }
        int h = runs.height();
        int w = runs.width();
        checkShape(out.length, h, w);
        // Vertical segments of the runs become toggle events (row y, column x), bucketed by row (CSR); a row
        // is the previous row with its events toggled, written with one array copy.
        long[] st = runs.starts();
        long[] ln = runs.lengths();
        int[] rowStart = new int[h + 2];
        for (int i = 0; i < st.length; i++) {
            long s = st[i];
            long e = s + ln[i];
            int xs = (int) (s / h);
            int ys = (int) (s - (long) xs * h);
            int xe = (int) ((e - 1) / h);
            int ye = (int) (e - (long) xe * h);
            rowStart[ys + 1]++;
            if (xe > xs) {
                rowStart[1] += xe - xs;
            }
            if (ye < h) {
                rowStart[ye + 1]++;
            }
        }
        for (int y = 0; y <= h; y++) {
            rowStart[y + 1] += rowStart[y];
        }
        int[] fill = Arrays.copyOf(rowStart, h + 1);
        int[] events = new int[rowStart[h + 1]];
        for (int i = 0; i < st.length; i++) {
            long s = st[i];
            long e = s + ln[i];
            int xs = (int) (s / h);
            int ys = (int) (s - (long) xs * h);
            int xe = (int) ((e - 1) / h);
            int ye = (int) (e - (long) xe * h);
            events[fill[ys]++] = xs;
            for (int x = xs + 1; x <= xe; x++) {
                events[fill[0]++] = x;
            }
            if (ye < h) {
                events[fill[ye]++] = xe;
            }
        }
        int n = Math.max(1, Math.min(chunks, h / 8));
        if (n == 1) {
            decodeRows(events, rowStart, out, w, foreground, 0, h, zeroed);
        } else {
            IntStream.range(0, n).parallel().forEach(k -> decodeRows(events, rowStart, out, w, foreground,
                    (int) ((long) h * k / n), (int) ((long) h * (k + 1) / n), zeroed));
        }
    }

    private static void decodeRows(int[] events, int[] rowStart, byte[] out, int w, byte fg, int y0, int y1,
            boolean zeroed) {
        byte[] cur = new byte[w];
        // foreground pixels per 64-pixel block of the current row (only used when out is already zeroed)
        int[] blockOn = zeroed ? new int[(w + 63) >>> 6] : null;
        for (int k = 0; k < rowStart[y0]; k++) {
            toggle(cur, events[k], fg, blockOn);
        }
        for (int y = y0; y < y1; y++) {
            for (int k = rowStart[y], e = rowStart[y + 1]; k < e; k++) {
                toggle(cur, events[k], fg, blockOn);
            }
            int base = y * w;
            if (!zeroed) {
                System.arraycopy(cur, 0, out, base, w);
                continue;
            }
            int nb = blockOn.length;
            for (int b = 0; b < nb; b++) {
                if (blockOn[b] == 0) {
                    continue;
                }
                int b1 = b + 1;
                while (b1 < nb && blockOn[b1] != 0) {
                    b1++;
                }
                int x0 = b << 6;
                int x1 = Math.min(b1 << 6, w);
                System.arraycopy(cur, x0, out, base + x0, x1 - x0);
                b = b1;
            }
        }
    }

    private static void toggle(byte[] cur, int x, byte fg, int[] blockOn) {
        byte v = (byte) (cur[x] ^ fg);
        cur[x] = v;
        if (blockOn != null) {
            blockOn[x >>> 6] += v != 0 ? 1 : -1;
        }
    }

    // ------------------------------------------------------------------------------------------ windows

    /**
     * Decodes the window (crop) with top-left corner {@code (x0, y0)} and size {@code w x h} into a new
     * row-major {@code byte[h * w]} of 0/1 ({@code out[(y - y0) * w + (x - x0)]}), without building the full
     * mask. The window may lie partly or wholly outside the image; pixels outside are 0.
     *
     * @throws IllegalArgumentException if {@code w} or {@code h} is not positive or {@code w * h} is too large
     */
    public static byte[] decodeWindow(RleRuns runs, int x0, int y0, int w, int h) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("window width and height must be > 0, got " + w + " x " + h);
        }
        if ((long) w * h > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("window " + w + " x " + h + " is too large for one byte[]");
        }
        byte[] out = new byte[w * h];
        decodeWindowInto(runs, x0, y0, w, h, out, (byte) 1);
        return out;
    }

    /**
     * Decodes the window {@code interval} (2-D, dimension 0 = x, dimension 1 = y, inclusive max as in ImgLib2)
     * into a new row-major {@code byte[height * width]} of 0/1.
     *
     * @see #decodeWindow(RleRuns, int, int, int, int)
     */
    public static byte[] decodeWindow(RleRuns runs, Interval interval) {
        if (interval.numDimensions() != 2) {
            throw new IllegalArgumentException("window interval must be 2-D (x, y), got " + interval.numDimensions()
                    + " dimensions");
        }
        return decodeWindow(runs, Math.toIntExact(interval.min(0)), Math.toIntExact(interval.min(1)),
                Math.toIntExact(interval.dimension(0)), Math.toIntExact(interval.dimension(1)));
    }

    /** Parses {@code rle} and decodes one window of it; see {@link #decodeWindow(RleRuns, int, int, int, int)}. */
    public static byte[] decodeWindow(String rle, int height, int width, int x0, int y0, int w, int h) {
        return decodeWindow(parse(rle, height, width), x0, y0, w, h);
    }

    /**
     * Decodes a window into {@code out} (row-major {@code w * h}), overwriting every pixel: foreground gets
     * {@code foreground}, the rest (including pixels outside the image) 0.
     */
    public static void decodeWindowInto(RleRuns runs, int x0, int y0, int w, int h, byte[] out, byte foreground) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("window width and height must be > 0, got " + w + " x " + h);
        }
        if (out.length != (long) w * h) {
            throw new IllegalArgumentException("window buffer length must be w*h = " + (long) w * h + ", got "
                    + out.length);
        }
        Arrays.fill(out, (byte) 0);
        int ih = runs.height();
        int iw = runs.width();
        long cx0 = Math.max(x0, 0);
        long cx1 = Math.min((long) x0 + w, iw);
        long cy0 = Math.max(y0, 0);
        long cy1 = Math.min((long) y0 + h, ih);
        if (cx0 >= cx1 || cy0 >= cy1) {
            return;
        }
        long[] st = runs.starts();
        long[] ln = runs.lengths();
        long first = cx0 * ih + cy0;
        long last = (cx1 - 1) * ih + cy1; // exclusive
        // first run ending after `first` (run ends ascend with starts)
        int lo = 0;
        int hi = st.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (st[mid] + ln[mid] <= first) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (int i = lo; i < st.length && st[i] < last; i++) {
            long s = st[i];
            long e = s + ln[i];
            long ca = Math.max(s / ih, cx0);
            long cb = Math.min((e - 1) / ih, cx1 - 1);
            for (long c = ca; c <= cb; c++) {
                long base = c * ih;
                long ya = Math.max(Math.max(s - base, 0), cy0);
                long yb = Math.min(Math.min(e - base, ih), cy1);
                int col = (int) (c - x0);
                for (long y = ya; y < yb; y++) {
                    out[(int) (y - y0) * w + col] = foreground;
                }
            }
        }
    }

    private static void checkShape(long length, int height, int width) {
        RleRuns.checkShape(height, width);
        if (length != (long) height * width) {
            throw new IllegalArgumentException("mask length must be height*width = " + (long) height * width
                    + ", got " + length);
        }
    }
}
