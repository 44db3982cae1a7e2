package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Swaps the x and y axes (out(y, x) = in(x, y)), image and mask; a {@code h x w} tile becomes {@code w x h}.
 *
 * @param p probability
 */
public record Transpose(double p) implements Augmentation {

    /** Validates. */
    public Transpose {
        Checks.probability("Transpose", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        Rotations.rotate(tile, -1);
    }
}
