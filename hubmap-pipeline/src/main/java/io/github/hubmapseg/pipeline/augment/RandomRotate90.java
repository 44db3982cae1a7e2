package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Rotates the tile by {@code k * 90} degrees, {@code k} uniform in {0, 1, 2, 3} (k = 0 included, as in
 * albumentations), image and mask; odd {@code k} swaps height and width.
 *
 * @param p probability
 */
public record RandomRotate90(double p) implements Augmentation {

    /** Validates. */
    public RandomRotate90 {
        Checks.probability("RandomRotate90", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        int k = rng.nextInt(4);
        if (k != 0) {
            Rotations.rotate(tile, k);
        }
    }
}
