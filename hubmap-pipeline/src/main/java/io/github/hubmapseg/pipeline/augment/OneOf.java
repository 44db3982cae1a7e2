package io.github.hubmapseg.pipeline.augment;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * With probability {@code p}, picks exactly one child, chosen with probability proportional to the
 * children's own {@link Augmentation#p()}, and applies it unconditionally (albumentations' {@code OneOf}).
 *
 * @param children the candidates (at least one with {@code p > 0})
 * @param p        probability of applying one of them
 */
public record OneOf(List<Augmentation> children, double p) implements Augmentation {

    /** Validates and copies. */
    public OneOf {
        if (children == null || children.isEmpty()) {
            throw new IllegalArgumentException("OneOf: needs at least one child");
        }
        children = List.copyOf(children);
        double sum = 0;
        for (Augmentation a : children) {
            sum += a.p();
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("OneOf: the children's probabilities sum to " + sum + ", need > 0");
        }
        Checks.probability("OneOf", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        double sum = 0;
        for (Augmentation a : children) {
            sum += a.p();
        }
        double u = rng.nextDouble() * sum;
        Augmentation chosen = children.get(children.size() - 1);
        double acc = 0;
        for (Augmentation a : children) {
            acc += a.p();
            if (u < acc) {
                chosen = a;
                break;
            }
        }
        chosen.transform(tile, rng);
    }
}
