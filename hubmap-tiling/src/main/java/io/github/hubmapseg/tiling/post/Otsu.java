package io.github.hubmapseg.tiling.post;

/**
 * Otsu's threshold as {@code skimage.filters.threshold_otsu(image, nbins=256)} computes it on a float64 image: a
 * histogram of {@code nbins} equal bins over {@code [min, max]} with numpy's {@code histogram} bin assignment
 * (edges {@code min + i (max - min) / nbins}, the last edge {@code max}, the last bin closed), the between-class
 * variance {@code w1 w2 (m1 - m2)^2} over the bin centres summed in skimage's order, the first maximum's bin centre
 * returned; a constant image returns its value.
 */
public final class Otsu {
    /** skimage's default bin count. */
    public static final int BINS = 256;

    private Otsu() {
    }

    /** The bin edges numpy's {@code linspace(min, max, nbins + 1)} gives. */
    static double[] edges(double min, double max, int nbins) {
        double[] e = new double[nbins + 1];
        double step = (max - min) / nbins;
        for (int i = 0; i < nbins; i++) {
            e[i] = i * step + min;
        }
        e[nbins] = max;
        return e;
    }

    /** numpy's {@code histogram} bin of {@code v} in {@code [min, max]} (as its fast path for equal bins assigns it). */
    static int bin(double v, double min, double max, double[] edges) {
        int nbins = edges.length - 1;
        double norm = nbins / (max - min);
        int i = (int) ((v - min) * norm);
        if (i >= nbins) {
            i = nbins - 1;
        }
        if (v < edges[i]) {
            i--;
        } else if (i != nbins - 1 && v >= edges[i + 1]) {
            i++;
        }
        return i;
    }

    /**
     * The threshold of a histogram.
     *
     * @param counts pixels per bin (from {@link #bin})
     * @param min    the smallest value
     * @param max    the largest value, {@code > min}
     * @return the centre of the bin that maximises the between-class variance
     */
    static double threshold(long[] counts, double min, double max) {
        int n = counts.length;
        double[] e = edges(min, max, n);
        double[] centres = new double[n];
        for (int i = 0; i < n; i++) {
            centres[i] = (e[i] + e[i + 1]) / 2;
        }
        return centres[bestSplit(counts, centres)];
    }

    /**
     * Otsu's search over a histogram (the one home of it, also used by {@code TissueMask.otsu}): the bin {@code i}
     * maximising the between-class variance {@code w1 w2 (m1 - m2)^2} of the classes "bins {@code 0..i}" and "bins
     * {@code i+1..}", with class means over the bin centres, computed in skimage's order (cumulative sums from each
     * end, {@code (w1 w2) (d d)}); the first maximum wins and splits with an empty class are skipped.
     *
     * @param counts  values per bin
     * @param centres each bin's value (same length)
     * @return the index of the last bin of the lower class; 0 when no split has two non-empty classes
     */
    public static int bestSplit(long[] counts, double[] centres) {
        int n = counts.length;
        if (centres.length != n) {
            throw new IllegalArgumentException("Otsu needs one centre per bin, got " + centres.length + " for " + n);
        }
        long[] w1 = new long[n];
        long[] w2 = new long[n];
        double[] m1 = new double[n];
        double[] m2 = new double[n];
        long acc = 0;
        double s = 0;
        for (int i = 0; i < n; i++) {
            acc += counts[i];
            s += counts[i] * centres[i];
            w1[i] = acc;
            m1[i] = s / acc;
        }
        acc = 0;
        s = 0;
        for (int i = n - 1; i >= 0; i--) {
            acc += counts[i];
            s += counts[i] * centres[i];
            w2[i] = acc;
            m2[i] = s / acc;
        }
        int best = 0;
        double bestV = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n - 1; i++) {
            double d = m1[i] - m2[i + 1];
            double v = (double) (w1[i] * w2[i + 1]) * (d * d);
            if (v > bestV) { // an empty class has mean 0/0 = NaN: never greater
                bestV = v;
                best = i;
            }
        }
        return best;
    }

    /**
     * Otsu's threshold of values (the whole array), as {@code threshold_otsu} of it as float64.
     *
     * @param values the values, at least one
     * @return the threshold
     */
    public static double threshold(float[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("Otsu needs at least one value");
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : values) {
            if (Float.isNaN(v)) {
                throw new IllegalArgumentException("Otsu needs numbers, got NaN");
            }
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (min == max) {
            return min;
        }
        double[] e = edges(min, max, BINS);
        long[] counts = new long[BINS];
        for (float v : values) {
            counts[bin(v, min, max, e)]++;
        }
        return threshold(counts, min, max);
    }
}
