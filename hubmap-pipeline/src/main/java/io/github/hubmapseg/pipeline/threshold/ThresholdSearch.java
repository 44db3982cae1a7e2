package io.github.hubmapseg.pipeline.threshold;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Threshold search on out-of-fold predictions: accumulates, per image, a histogram of the probabilities of
 * foreground-truth and background-truth pixels over the bins between consecutive thresholds (one pass over
 * the pixels), then gives Dice for every threshold of the grid from cumulative sums. The counts are exactly
 * the brute-force counts, so the Dice values are bit-identical to thresholding each map at each threshold.
 *
 * <p>An image may be added in several pieces (windows of a slide) under the same id: its histograms add up,
 * so a slide never has to be held in memory whole. Not thread-safe; use one search per thread and
 * {@link #merge} them.
 *
 * <p>Dice per image is {@code 2|P&T| / (|P| + |T|)}, 1 when both are empty (the Kaggle convention,
 * {@code dice.json}); {@link ThresholdTable#meanDice()} averages it over images (the Kaggle metric) and
 * {@link ThresholdTable#pooledDice()} pools all pixels.
 */
public final class ThresholdSearch {

    private final ThresholdGrid grid;
    private final Comparison comparison;
    private final Map<String, long[][]> hist = new LinkedHashMap<>();

    /** A search over {@code grid} with the {@code p >= t} convention. */
    public ThresholdSearch(ThresholdGrid grid) {
        this(grid, Comparison.GREATER_OR_EQUAL);
    }

    /** A search over {@code grid} with the given comparison. */
    public ThresholdSearch(ThresholdGrid grid, Comparison comparison) {
        if (grid == null || comparison == null) {
            throw new IllegalArgumentException("grid and comparison must not be null");
        }
        this.grid = grid;
        this.comparison = comparison;
    }

    /** The grid. */
    public ThresholdGrid grid() {
        return grid;
    }

    /** The comparison. */
    public Comparison comparison() {
        return comparison;
    }

    /** Adds all pixels of one image (or one more piece of it): probabilities and a 0/1 truth mask, same length. */
    public ThresholdSearch add(String imageId, float[] probability, byte[] truth) {
        if (probability == null || truth == null) {
            throw new IllegalArgumentException("image '" + imageId + "': probability and truth must not be null");
        }
        if (probability.length != truth.length) {
            throw new IllegalArgumentException("image '" + imageId + "': probability length " + probability.length
                    + " differs from truth length " + truth.length);
        }
        return add(imageId, probability, 0, truth, 0, probability.length);
    }

    /**
     * Adds {@code length} pixels of one image: {@code probability[pOffset..]} against {@code truth[tOffset..]}.
     *
     * @throws IllegalArgumentException for a NaN probability or a truth value other than 0/1 (naming the index)
     */
    public ThresholdSearch add(String imageId, float[] probability, int pOffset, byte[] truth, int tOffset, int length) {
        if (imageId == null) {
            throw new IllegalArgumentException("imageId must not be null");
        }
        if (probability == null || truth == null) {
            throw new IllegalArgumentException("image '" + imageId + "': probability and truth must not be null");
        }
        if (length < 0 || pOffset < 0 || tOffset < 0 || pOffset + length > probability.length
                || tOffset + length > truth.length) {
            throw new IllegalArgumentException("image '" + imageId + "': range of " + length + " pixels at offsets "
                    + pOffset + "/" + tOffset + " does not fit probability length " + probability.length
                    + " and truth length " + truth.length);
        }
        long[][] h = hist.computeIfAbsent(imageId, k -> new long[2][grid.size() + 1]);
        long[] h0 = h[0];
        long[] h1 = h[1];
        for (int i = 0; i < length; i++) {
            float p = probability[pOffset + i];
            byte t = truth[tOffset + i];
            if (p != p) {
                throw new IllegalArgumentException("image '" + imageId + "': probability at index " + (pOffset + i)
                        + " is NaN");
            }
            int b = grid.bin(p, comparison);
            if (t == 0) {
                h0[b]++;
            } else if (t == 1) {
                h1[b]++;
            } else {
                throw new IllegalArgumentException("image '" + imageId + "': truth at index " + (tOffset + i)
                        + " must be 0 or 1, got " + t);
            }
        }
        return this;
    }

    /** Adds the histograms of another search over the same grid and comparison. */
    public ThresholdSearch merge(ThresholdSearch other) {
        if (!grid.equals(other.grid) || comparison != other.comparison) {
            throw new IllegalArgumentException("cannot merge searches over different grids or comparisons: "
                    + grid + "/" + comparison + " vs " + other.grid + "/" + other.comparison);
        }
        for (Map.Entry<String, long[][]> e : other.hist.entrySet()) {
            long[][] h = hist.computeIfAbsent(e.getKey(), k -> new long[2][grid.size() + 1]);
            for (int c = 0; c < 2; c++) {
                for (int b = 0; b < h[c].length; b++) {
                    h[c][b] += e.getValue()[c][b];
                }
            }
        }
        return this;
    }

    /** Number of images added so far. */
    public int imageCount() {
        return hist.size();
    }

    /** Dice per image and threshold, their mean over images, and the pooled Dice. */
    public ThresholdTable result() {
        if (hist.isEmpty()) {
            throw new IllegalStateException("no image added: nothing to search");
        }
        int n = grid.size();
        List<String> ids = new ArrayList<>(hist.keySet());
        double[][] perImage = new double[ids.size()][n];
        long[] pooledTp = new long[n];
        long[] pooledPred = new long[n];
        long pooledTruth = 0;
        for (int i = 0; i < ids.size(); i++) {
            long[][] h = hist.get(ids.get(i));
            long truth = 0;
            for (long c : h[1]) {
                truth += c;
            }
            pooledTruth += truth;
            // foreground at threshold k iff bin > k: suffix sums from the top
            long tp = 0;
            long pred = 0;
            long[] tpK = new long[n];
            long[] predK = new long[n];
            for (int k = n - 1; k >= 0; k--) {
                tp += h[1][k + 1];
                pred += h[0][k + 1] + h[1][k + 1];
                tpK[k] = tp;
                predK[k] = pred;
            }
            for (int k = 0; k < n; k++) {
                perImage[i][k] = dice(tpK[k], predK[k], truth);
                pooledTp[k] += tpK[k];
                pooledPred[k] += predK[k];
            }
        }
        double[] mean = new double[n];
        double[] pooled = new double[n];
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (double[] row : perImage) {
                s += row[k];
            }
            mean[k] = s / ids.size();
            pooled[k] = dice(pooledTp[k], pooledPred[k], pooledTruth);
        }
        return new ThresholdTable(grid.values(), ids, perImage, mean, pooled);
    }

    /** Dice from counts: {@code 2 tp / (pred + truth)}, 1 when both are empty. */
    public static double dice(long truePositives, long predicted, long truth) {
        long den = predicted + truth;
        return den == 0 ? 1.0 : 2.0 * truePositives / den;
    }
}
