package io.github.hubmapseg.losses;

/**
 * Lovász hinge loss (Berman, Rannen Triki and Blaschko, CVPR 2018), the convex surrogate of the Jaccard
 * (IoU) loss used by the 1st-place solution. For a group of pixels: signs {@code s = 2y - 1}, hinge errors
 * {@code e = 1 - x s}, sorted in descending order; with P the number of positives of the group and the
 * cumulative sums over the sorted labels, {@code J_i = 1 - (P - Σ_{j<=i} y_j) / (P + Σ_{j<=i} (1 - y_j))},
 * {@code g_1 = J_1}, {@code g_i = J_i - J_{i-1}}; loss {@code = Σ relu(e_i) g_i}. The (sub)gradient is
 * {@code d loss / d x_k = -s_k g_rank(k) [e_k > 0]}.
 *
 * <p>With {@code perImage} the loss is computed per image and averaged over the batch (Berman's default);
 * otherwise all {@code B*H*W} pixels form one group. Exact ties between errors are broken by pixel index
 * (the value does not depend on the order of ties).
 *
 * <p>Speed: only pixels with a positive error can contribute, so only those are sorted; the sort is an LSD
 * radix sort of primitive {@code long} keys that pack the error's leading bits with the pixel index,
 * followed by an exact fix-up of keys that tie in their leading bits.
 *
 * @param perImage per-image loss averaged over the batch, or one loss over the whole batch
 */
public record LovaszHinge(boolean perImage) implements SegLoss {

    @Override
    public String name() {
        return perImage ? "lovasz" : "lovasz_batch";
    }

    @Override
    public double compute(BatchShape shape, double[] x, double[] y, double[] grad) {
        return ImageGroups.reduce(shape, perImage, x, y, grad, LovaszHinge::group);
    }

    /** Lovász hinge of pixels [off, off+n); gradient scaled by {@code scale}. */
    static double group(double[] x, double[] y, double[] grad, int off, int n, double scale) {
        int idxBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(n - 1));
        int drop = idxBits - 1;                 // low bits of the (positive) double dropped from the key
        long keyMax = (1L << (64 - idxBits)) - 1;
        long[] keys = new long[n];
        int m = 0;
        double positives = 0;
        for (int i = 0; i < n; i++) {
            double yi = y[off + i];
            positives += yi;
            double e = 1.0 - x[off + i] * (2 * yi - 1);
            if (e > 0) {
                long bits = Double.doubleToRawLongBits(e);   // positive: bit order = value order
                keys[m++] = ((keyMax - (bits >>> drop)) << idxBits) | i;  // ascending key = descending error
            } else if (grad != null) {
                grad[off + i] = 0.0;
            }
        }
        if (m == 0) {
            return 0.0;
        }
        RadixSort.sort(keys, m);
        long idxMask = (1L << idxBits) - 1;
        if (drop > 0) {
            fixTies(keys, m, idxBits, idxMask, x, y, off);
        }
        double cumPos = 0;
        double cumNeg = 0;
        double prevJ = 0;
        double loss = 0;
        for (int r = 0; r < m; r++) {
            int i = (int) (keys[r] & idxMask);
            double yi = y[off + i];
            double s = 2 * yi - 1;
            double e = 1.0 - x[off + i] * s;
            if (yi == 1.0) {
                cumPos += 1;
            } else {
                cumNeg += 1;
            }
            double j = 1.0 - (positives - cumPos) / (positives + cumNeg);
            double g = j - prevJ;
            prevJ = j;
            loss += e * g;
            if (grad != null) {
                grad[off + i] = -s * g * scale;
            }
        }
        return loss;
    }

    /**
     * Keys equal in their error part may hold different errors (bits below the key were dropped):
     * reorder such runs by the exact error, descending, index ascending on exact ties (insertion sort; runs
     * are short unless errors are equal, which costs one comparison per element).
     */
    private static void fixTies(long[] keys, int m, int idxBits, long idxMask, double[] x, double[] y, int off) {
        int start = 0;
        while (start < m) {
            long head = keys[start] >>> idxBits;
            int end = start + 1;
            while (end < m && (keys[end] >>> idxBits) == head) {
                end++;
            }
            if (end - start > 1) {
                for (int a = start + 1; a < end; a++) {
                    long k = keys[a];
                    double ek = error(x, y, off, (int) (k & idxMask));
                    int c = a - 1;
                    while (c >= start) {
                        long kc = keys[c];
                        double ec = error(x, y, off, (int) (kc & idxMask));
                        if (ec > ek || (ec == ek && (kc & idxMask) < (k & idxMask))) {
                            break;
                        }
                        keys[c + 1] = kc;
                        c--;
                    }
                    keys[c + 1] = k;
                }
            }
            start = end;
        }
    }

    private static double error(double[] x, double[] y, int off, int i) {
        return 1.0 - x[off + i] * (2 * y[off + i] - 1);
    }
}
