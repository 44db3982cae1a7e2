package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Cutout / coarse dropout as albumentations' {@code CoarseDropout}: a number of holes uniform in
 * {@code [minHoles, maxHoles]}, each of height uniform in {@code [minHeight, maxHeight]} and width in
 * {@code [minWidth, maxWidth]} pixels (clamped to the tile), placed uniformly inside the tile, filled with
 * {@code fillValue} in every channel; the mask is filled with {@code maskFillValue} when it is 0 or 1, and
 * left untouched when it is -1 (albumentations' default {@code mask_fill_value=None}).
 *
 * @param minHoles      {@code >= 0}
 * @param maxHoles      {@code >= minHoles}
 * @param minHeight     {@code >= 1}
 * @param maxHeight     {@code >= minHeight}
 * @param minWidth      {@code >= 1}
 * @param maxWidth      {@code >= minWidth}
 * @param fillValue     image fill (0..255)
 * @param maskFillValue -1 (leave the mask), 0 or 1
 * @param p             probability
 */
public record CoarseDropout(int minHoles, int maxHoles, int minHeight, int maxHeight, int minWidth, int maxWidth,
                            float fillValue, int maskFillValue, double p) implements Augmentation {

    /** Validates. */
    public CoarseDropout {
        Checks.intRange("CoarseDropout", "holes", minHoles, maxHoles, 0);
        Checks.intRange("CoarseDropout", "height", minHeight, maxHeight, 1);
        Checks.intRange("CoarseDropout", "width", minWidth, maxWidth, 1);
        Checks.range("CoarseDropout", "fillValue", fillValue, 0, 255);
        if (maskFillValue < -1 || maskFillValue > 1) {
            throw new IllegalArgumentException("CoarseDropout: maskFillValue must be -1 (leave mask), 0 or 1, got "
                    + maskFillValue);
        }
        Checks.probability("CoarseDropout", p);
    }

    /** Up to {@code maxHoles} holes of up to {@code maxSize x maxSize} pixels, black, mask untouched. */
    public static CoarseDropout of(int maxHoles, int maxSize, double p) {
        return new CoarseDropout(1, maxHoles, 1, maxSize, 1, maxSize, 0f, -1, p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        int h = tile.height();
        int w = tile.width();
        int holes = Checks.uniformInt(rng, minHoles, maxHoles);
        float[] img = tile.image();
        byte[] m = tile.mask();
        for (int k = 0; k < holes; k++) {
            int hh = Math.min(h, Checks.uniformInt(rng, minHeight, maxHeight));
            int hw = Math.min(w, Checks.uniformInt(rng, minWidth, maxWidth));
            int y0 = Checks.uniformInt(rng, 0, h - hh);
            int x0 = Checks.uniformInt(rng, 0, w - hw);
            for (int c = 0; c < tile.channels(); c++) {
                int base = c * h * w;
                for (int y = y0; y < y0 + hh; y++) {
                    java.util.Arrays.fill(img, base + y * w + x0, base + y * w + x0 + hw, fillValue);
                }
            }
            if (m != null && maskFillValue >= 0) {
                for (int y = y0; y < y0 + hh; y++) {
                    java.util.Arrays.fill(m, y * w + x0, y * w + x0 + hw, (byte) maskFillValue);
                }
            }
        }
    }
}
