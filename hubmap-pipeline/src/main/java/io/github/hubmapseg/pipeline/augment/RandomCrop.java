package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Crops a {@code height x width} window at a uniformly random position (image and mask); the 23rd-place
 * recipe crops 768 x 768 out of 1024 x 1024 tiles.
 *
 * @param height crop height, {@code >= 1}
 * @param width  crop width, {@code >= 1}
 * @param p      probability (usually 1)
 */
public record RandomCrop(int height, int width, double p) implements Augmentation {

    /** Validates. */
    public RandomCrop {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("RandomCrop: size must be >= 1, got " + height + "x" + width);
        }
        Checks.probability("RandomCrop", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        int h = tile.height();
        int w = tile.width();
        if (height > h || width > w) {
            throw new IllegalArgumentException("RandomCrop: crop " + height + "x" + width + " is larger than the tile "
                    + h + "x" + w);
        }
        int y0 = Checks.uniformInt(rng, 0, h - height);
        int x0 = Checks.uniformInt(rng, 0, w - width);
        float[] src = tile.image();
        float[] dst = tile.scratchImage(height, width);
        for (int c = 0; c < tile.channels(); c++) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(src, c * h * w + (y0 + y) * w + x0, dst, c * height * width + y * width, width);
            }
        }
        byte[] m = tile.mask();
        byte[] dm = tile.scratchMask(height, width);
        if (m != null) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(m, (y0 + y) * w + x0, dm, y * width, width);
            }
        }
        tile.replace(dst, dm, height, width);
    }
}
