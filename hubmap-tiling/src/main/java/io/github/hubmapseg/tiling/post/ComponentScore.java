package io.github.hubmapseg.tiling.post;

import net.imglib2.Interval;

/**
 * One predicted component's energy confidence ({@link EnergyFilter}).
 *
 * @param bounds     bounding box in the pixels of the rows it was found in (inclusive max)
 * @param area       pixels
 * @param meanEnergy mean over its pixels of the energy score {@code -log(1 - p)}
 * @param kept       whether it reached the threshold
 */
public record ComponentScore(Interval bounds, long area, double meanEnergy, boolean kept) {
}
