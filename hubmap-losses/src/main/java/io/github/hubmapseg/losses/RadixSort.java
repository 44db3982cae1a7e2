package io.github.hubmapseg.losses;

/**
 * LSD radix sort of unsigned {@code long} keys, 11 bits per pass, passes whose digit is the same for every
 * key skipped. Package-private helper of {@link LovaszHinge}.
 */
final class RadixSort {

    private static final int BITS = 11;
    private static final int BUCKETS = 1 << BITS;
    private static final int PASSES = (64 + BITS - 1) / BITS;

    private RadixSort() {
    }

    /** Sorts {@code a[0..n)} ascending as unsigned values (all keys here are non-negative). */
    static void sort(long[] a, int n) {
        if (n < 64) {
            insertion(a, n);
            return;
        }
        int[][] counts = new int[PASSES][BUCKETS];
        for (int i = 0; i < n; i++) {
            long v = a[i];
            for (int p = 0; p < PASSES; p++) {
                counts[p][(int) ((v >>> (p * BITS)) & (BUCKETS - 1))]++;
            }
        }
        long[] src = a;
        long[] dst = new long[n];
        for (int p = 0; p < PASSES; p++) {
            int[] c = counts[p];
            int shift = p * BITS;
            if (c[(int) ((src[0] >>> shift) & (BUCKETS - 1))] == n) {
                continue; // every key has the same digit
            }
            int sum = 0;
            for (int b = 0; b < BUCKETS; b++) {
                int t = c[b];
                c[b] = sum;
                sum += t;
            }
            for (int i = 0; i < n; i++) {
                long v = src[i];
                dst[c[(int) ((v >>> shift) & (BUCKETS - 1))]++] = v;
            }
            long[] t = src;
            src = dst;
            dst = t;
        }
        if (src != a) {
            System.arraycopy(src, 0, a, 0, n);
        }
    }

    private static void insertion(long[] a, int n) {
        for (int i = 1; i < n; i++) {
            long v = a[i];
            int j = i - 1;
            while (j >= 0 && Long.compareUnsigned(a[j], v) > 0) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }
}
