package io.github.hubmapseg.tiling.sample;

import io.github.hubmapseg.tiling.TissueMask;
import java.util.function.Predicate;
import net.imglib2.Interval;

/**
 * Keeps training tiles with enough tissue according to a {@link TissueMask} made from a cheap thumbnail
 * (saturation threshold, 3rd place: 40; or Otsu, our choice): a tile passes when the fraction of its
 * thumbnail cells holding tissue is at least {@code minFraction}, and at least {@code minCells} cells do
 * (the seeds' "minimum pixel-sum" rule, counted on the thumbnail).
 *
 * @param mask        the tissue thumbnail
 * @param minFraction minimum tissue fraction in {@code [0, 1]}
 * @param minCells    minimum number of tissue cells, {@code >= 0}
 */
public record TissueFilter(TissueMask mask, double minFraction, long minCells) implements Predicate<Interval> {

    /** Validates the thresholds. */
    public TissueFilter {
        if (mask == null) {
            throw new IllegalArgumentException("mask must not be null");
        }
        if (!(minFraction >= 0 && minFraction <= 1)) {
            throw new IllegalArgumentException("minFraction must be in [0, 1], got " + minFraction);
        }
        if (minCells < 0) {
            throw new IllegalArgumentException("minCells must be >= 0, got " + minCells);
        }
    }

    @Override
    public boolean test(Interval tile) {
        double f = mask.fraction(tile);
        if (f < minFraction || f == 0) {
            return false;
        }
        if (minCells == 0) {
            return true;
        }
        long cells = (long) Math.ceil((double) tile.dimension(0) / mask.reduce())
                * (long) Math.ceil((double) tile.dimension(1) / mask.reduce());
        return Math.round(f * cells) >= minCells;
    }
}
