package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * An augmentation applied jointly to a {@link Tile}'s image and mask with probability {@link #p()}. Geometric
 * ones move image and mask together (bilinear for the image, nearest for the mask, reflect-101 borders);
 * photometric ones change the image only. Implementations are immutable records; all randomness comes from
 * the generator passed in, in a fixed order, so a seeded generator gives the same result every time.
 * {@link Augmentations} builds compositions and the seeds' presets.
 */
public interface Augmentation {

    /** Probability in {@code [0, 1]} that {@link #apply} transforms the tile. */
    double p();

    /** Transforms the tile unconditionally, drawing its random parameters from {@code rng}. */
    void transform(Tile tile, RandomGenerator rng);

    /**
     * Draws one uniform number; if it is below {@link #p()}, {@link #transform}s the tile. With {@code p = 0}
     * the tile is left untouched.
     */
    default void apply(Tile tile, RandomGenerator rng) {
        if (rng.nextDouble() < p()) {
            transform(tile, rng);
        }
    }
}
