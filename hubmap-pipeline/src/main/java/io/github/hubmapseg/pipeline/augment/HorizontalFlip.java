package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Mirrors the tile left-right (x to {@code w-1-x}), image and mask.
 *
 * @param p probability
 */
public record HorizontalFlip(double p) implements Augmentation {

    /** Validates. */
    public HorizontalFlip {
        Checks.probability("HorizontalFlip", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        int w = tile.width();
        int rows = tile.channels() * tile.height();
        float[] img = tile.image();
        for (int r = 0; r < rows; r++) {
            for (int a = r * w, b = a + w - 1; a < b; a++, b--) {
                float t = img[a];
                img[a] = img[b];
                img[b] = t;
            }
        }
        byte[] m = tile.mask();
        if (m != null) {
            for (int r = 0; r < tile.height(); r++) {
                for (int a = r * w, b = a + w - 1; a < b; a++, b--) {
                    byte t = m[a];
                    m[a] = m[b];
                    m[b] = t;
                }
            }
        }
    }
}
