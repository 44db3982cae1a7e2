package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Gaussian blur of the image (mask untouched) as albumentations' {@code GaussianBlur}: an odd kernel size
 * uniform among {@code minKernel, minKernel + 2, ..., maxKernel}, sigma from OpenCV's rule
 * {@code 0.3 * ((k - 1) / 2 - 1) + 0.8}, separable, reflect-101 borders.
 *
 * @param minKernel odd, {@code >= 3} (default 3)
 * @param maxKernel odd, {@code >= minKernel} (default 7)
 * @param p         probability
 */
public record GaussianBlur(int minKernel, int maxKernel, double p) implements Augmentation {

    /** Validates. */
    public GaussianBlur {
        if (minKernel < 3 || minKernel % 2 == 0 || maxKernel < minKernel || maxKernel % 2 == 0) {
            throw new IllegalArgumentException("GaussianBlur: kernel sizes must be odd with 3 <= min <= max, got ["
                    + minKernel + ", " + maxKernel + "]");
        }
        Checks.probability("GaussianBlur", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        int k = minKernel + 2 * rng.nextInt((maxKernel - minKernel) / 2 + 1);
        float[] kernel = Blur.gaussianKernel(k, Blur.opencvSigma(k));
        int h = tile.height();
        int w = tile.width();
        float[] tmp = new float[h * w];
        for (int c = 0; c < tile.channels(); c++) {
            Blur.separable(tile.image(), c * h * w, h, w, kernel, tmp);
        }
    }
}
