package io.github.hubmapseg.core.metrics;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Collection;
import java.util.stream.IntStream;

/**
 * The competition metric: Dice coefficient per image, {@code 2 |P & T| / (|P| + |T|)} with 1.0 when both
 * masks are empty and 0.0 when exactly one is, and its mean over images (the Kaggle leaderboard score).
 *
 * <p>Three equivalent ways to compute the counts: on row-major {@code byte[]} masks (non-zero = foreground;
 * eight pixels per {@code long} word with popcounts, parallel on large masks), on {@link RleRuns} (run
 * intersection, no decoding, time {@code O(runs)}), and on RLE strings. Counts are exact {@code long}s.
 */
public final class Dice {

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH = 0x8080808080808080L;
    private static final int PARALLEL_PIXELS = 1 << 22;

    private Dice() {
    }

    /** Dice of two masks of the same length (any pixel order, non-zero = foreground). */
    public static double dice(byte[] pred, byte[] truth) {
        return counts(pred, truth).dice();
    }

    /** Dice of two run sets of the same shape. */
    public static double dice(RleRuns pred, RleRuns truth) {
        return counts(pred, truth).dice();
    }

    /** Dice of two Kaggle RLE strings of a {@code height x width} mask, without decoding them. */
    public static double dice(String predRle, String truthRle, int height, int width) {
        return counts(Rle.parse(predRle, height, width), Rle.parse(truthRle, height, width)).dice();
    }

    /**
     * Exact counts of two masks of the same length (non-zero = foreground).
     *
     * @throws IllegalArgumentException if the lengths differ
     */
    public static DiceCounts counts(byte[] pred, byte[] truth) {
        if (pred.length != truth.length) {
            throw new IllegalArgumentException("pred and truth masks must have the same length, got "
                    + pred.length + " and " + truth.length);
        }
        int len = pred.length;
        int chunks = len >= PARALLEL_PIXELS ? Runtime.getRuntime().availableProcessors() : 1;
        return counts(pred, truth, chunks);
    }

    static DiceCounts counts(byte[] pred, byte[] truth, int chunks) {
        int len = pred.length;
        int n = Math.max(1, Math.min(chunks, len / 4096));
        if (n == 1) {
            long[] c = new long[3];
            countRange(pred, truth, 0, len, c);
            return new DiceCounts(c[0], c[1], c[2]);
        }
        long[][] parts = new long[n][3];
        IntStream.range(0, n).parallel().forEach(k -> countRange(pred, truth,
                (int) ((long) len * k / n & ~63L), k + 1 == n ? len : (int) ((long) len * (k + 1) / n & ~63L), parts[k]));
        long i = 0;
        long p = 0;
        long t = 0;
        for (long[] c : parts) {
            i += c[0];
            p += c[1];
            t += c[2];
        }
        return new DiceCounts(i, p, t);
    }

    private static void countRange(byte[] a, byte[] b, int from, int to, long[] out) {
        long inter = 0;
        long pa = 0;
        long pb = 0;
        int i = from;
        for (; i + 32 <= to; i += 32) {
            long a0 = (long) LONG.get(a, i);
            long a1 = (long) LONG.get(a, i + 8);
            long a2 = (long) LONG.get(a, i + 16);
            long a3 = (long) LONG.get(a, i + 24);
            long b0 = (long) LONG.get(b, i);
            long b1 = (long) LONG.get(b, i + 8);
            long b2 = (long) LONG.get(b, i + 16);
            long b3 = (long) LONG.get(b, i + 24);
            if ((a0 | a1 | a2 | a3 | b0 | b1 | b2 | b3) == 0) {
                continue;
            }
            long na0 = nz(a0);
            long na1 = nz(a1);
            long na2 = nz(a2);
            long na3 = nz(a3);
            long nb0 = nz(b0);
            long nb1 = nz(b1);
            long nb2 = nz(b2);
            long nb3 = nz(b3);
            pa += Long.bitCount(na0) + Long.bitCount(na1) + Long.bitCount(na2) + Long.bitCount(na3);
            pb += Long.bitCount(nb0) + Long.bitCount(nb1) + Long.bitCount(nb2) + Long.bitCount(nb3);
            inter += Long.bitCount(na0 & nb0) + Long.bitCount(na1 & nb1) + Long.bitCount(na2 & nb2)
                    + Long.bitCount(na3 & nb3);
        }
        for (; i < to; i++) {
            boolean x = a[i] != 0;
            boolean y = b[i] != 0;
            pa += x ? 1 : 0;
            pb += y ? 1 : 0;
            inter += x && y ? 1 : 0;
        }
        out[0] = inter;
        out[1] = pa;
        out[2] = pb;
    }

    private static long nz(long v) {
        return (((v & LOW7) + LOW7) | v) & HIGH;
    }

    /**
     * Exact counts of two run sets by run intersection (two-pointer sweep), without decoding.
     *
     * @throws IllegalArgumentException if the shapes differ
     */
    public static DiceCounts counts(RleRuns pred, RleRuns truth) {
        if (pred.height() != truth.height() || pred.width() != truth.width()) {
            throw new IllegalArgumentException("pred and truth must have the same shape, got " + pred.height() + "x"
                    + pred.width() + " and " + truth.height() + "x" + truth.width() + " (height x width)");
        }
        long[] as = pred.starts();
        long[] al = pred.lengths();
        long[] bs = truth.starts();
        long[] bl = truth.lengths();
        long inter = 0;
        int i = 0;
        int j = 0;
        while (i < as.length && j < bs.length) {
            long ae = as[i] + al[i];
            long be = bs[j] + bl[j];
            long lo = Math.max(as[i], bs[j]);
            long hi = Math.min(ae, be);
            if (hi > lo) {
                inter += hi - lo;
            }
            if (ae <= be) {
                i++;
            } else {
                j++;
            }
        }
        return new DiceCounts(inter, pred.area(), truth.area());
    }

    /**
     * Mean of per-image Dice scores (the Kaggle metric), summed with compensation (Neumaier) so that the
     * result does not depend on the order beyond the last bit.
     *
     * @throws IllegalArgumentException if there are no scores
     */
    public static double mean(double... perImage) {
        if (perImage.length == 0) {
            throw new IllegalArgumentException("mean Dice needs at least one image, got none");
        }
        double sum = 0;
        double comp = 0;
        for (double v : perImage) {
            double t = sum + v;
            if (Math.abs(sum) >= Math.abs(v)) {
                comp += (sum - t) + v;
            } else {
                comp += (v - t) + sum;
            }
            sum = t;
        }
        return (sum + comp) / perImage.length;
    }

    /** Mean over images of the per-image Dice of each counts. */
    public static double meanOf(Collection<DiceCounts> perImage) {
        return mean(perImage.stream().mapToDouble(DiceCounts::dice).toArray());
    }
}
