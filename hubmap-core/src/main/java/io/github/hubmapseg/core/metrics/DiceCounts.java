package io.github.hubmapseg.core.metrics;

/**
 * The exact pixel counts behind one image's Dice score.
 *
 * @param intersection number of pixels that are foreground in both prediction and truth
 * @param predSum      number of foreground pixels of the prediction
 * @param truthSum     number of foreground pixels of the truth
 */
public record DiceCounts(long intersection, long predSum, long truthSum) {

    /**
     * Validates the counts.
     *
     * @throws IllegalArgumentException if a count is negative or the intersection exceeds a sum
     */
    public DiceCounts {
        if (intersection < 0 || predSum < 0 || truthSum < 0) {
            throw new IllegalArgumentException("Dice counts must be >= 0, got intersection " + intersection
                    + ", predSum " + predSum + ", truthSum " + truthSum);
        }
        if (intersection > predSum || intersection > truthSum) {
            throw new IllegalArgumentException("intersection " + intersection + " must be <= predSum " + predSum
                    + " and <= truthSum " + truthSum);
        }
    }

    /** {@code 2 |P & T| / (|P| + |T|)}; 1.0 when both masks are empty (0.0 when exactly one is). */
    public double dice() {
        long denom = predSum + truthSum;
        return denom == 0 ? 1.0 : 2.0 * intersection / denom;
    }

    /** The counts of two images together (for a Dice over a set of pixels pooled over images). */
    public DiceCounts plus(DiceCounts o) {
        return new DiceCounts(intersection + o.intersection, predSum + o.predSum, truthSum + o.truthSum);
    }
}
