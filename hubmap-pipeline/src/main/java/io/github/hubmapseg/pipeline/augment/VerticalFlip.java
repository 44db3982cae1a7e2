package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Mirrors the tile top-bottom (y to {@code h-1-y}), image and mask.
 *
 * @param p probability
 */
public record VerticalFlip(double p) implements Augmentation {

    /** Validates. */
    public VerticalFlip {
        Checks.probability("VerticalFlip", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        int w = tile.width();
        int h = tile.height();
        float[] img = tile.image();
        float[] row = new float[w];
        for (int c = 0; c < tile.channels(); c++) {
            int base = c * h * w;
            for (int a = 0, b = h - 1; a < b; a++, b--) {
                System.arraycopy(img, base + a * w, row, 0, w);
                System.arraycopy(img, base + b * w, img, base + a * w, w);
                System.arraycopy(row, 0, img, base + b * w, w);
            }
        }
        byte[] m = tile.mask();
        if (m != null) {
            byte[] mr = new byte[w];
            for (int a = 0, b = h - 1; a < b; a++, b--) {
                System.arraycopy(m, a * w, mr, 0, w);
                System.arraycopy(m, b * w, m, a * w, w);
                System.arraycopy(mr, 0, m, b * w, w);
            }
        }
    }
}
