package io.github.hubmapseg.pipeline.augment;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Applies each child in order, each with its own probability, the whole with probability {@code p}
 * (albumentations' {@code Compose}).
 *
 * @param children the augmentations, in order
 * @param p        probability of running the sequence
 */
public record Compose(List<Augmentation> children, double p) implements Augmentation {

    /** Validates and copies. */
    public Compose {
        if (children == null) {
            throw new IllegalArgumentException("Compose: children must not be null");
        }
        children = List.copyOf(children);
        Checks.probability("Compose", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        for (Augmentation a : children) {
            a.apply(tile, rng);
        }
    }
}
