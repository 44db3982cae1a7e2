package io.github.hubmapseg.tiling.sample;

import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;

/**
 * Random square crops that must contain foreground (23rd place): each crop position is drawn uniformly
 * inside the image; a crop without foreground is redrawn, at most {@code retries} times, after which the
 * last draw is used as is (so an epoch always has {@code count} crops and a slide without foreground cannot
 * loop forever). Deterministic for a seed; lazy.
 *
 * @param width         image width in full-resolution pixels
 * @param height        image height in full-resolution pixels
 * @param crop          crop side in full-resolution pixels, {@code <= min(width, height)}
 * @param count         crops per epoch
 * @param retries       redraws allowed per crop, {@code >= 0}
 * @param hasForeground whether a region contains foreground (e.g. a look-up in a downsampled mask)
 */
public record ForegroundCrops(long width, long height, int crop, int count, int retries,
                              Predicate<Interval> hasForeground) implements TileSource {

    /** Validates and names what is wrong. */
    public ForegroundCrops {
        if (crop <= 0 || crop > width || crop > height) {
            throw new IllegalArgumentException("crop must be in 1.." + Math.min(width, height)
                    + " (the image is " + width + " x " + height + "), got " + crop);
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        }
        if (hasForeground == null) {
            throw new IllegalArgumentException("hasForeground must not be null");
        }
    }

    @Override
    public Iterator<Interval> tiles(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        return Draws.of(count, i -> {
            Interval r = null;
            for (int attempt = 0; attempt <= retries; attempt++) {
                long x = rng.nextLong(width - crop + 1);
                long y = rng.nextLong(height - crop + 1);
                r = FinalInterval.createMinSize(x, y, crop, crop);
                if (hasForeground.test(r)) {
                    break;
                }
            }
            return r;
        });
    }
}
