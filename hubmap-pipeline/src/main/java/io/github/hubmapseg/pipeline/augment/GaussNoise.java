package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Additive Gaussian noise on the image (mask untouched) as albumentations' {@code GaussNoise}: a variance
 * uniform in {@code [varMin, varMax]} (in squared 0..255 units), independent noise per pixel and channel with
 * that variance and the given mean, result clipped to {@code [0, 255]}.
 *
 * @param varMin {@code >= 0} (default 10)
 * @param varMax {@code >= varMin} (default 50)
 * @param mean   noise mean (default 0)
 * @param p      probability
 */
public record GaussNoise(double varMin, double varMax, double mean, double p) implements Augmentation {

    /** Validates. */
    public GaussNoise {
        Checks.nonNegative("GaussNoise", "varMin", varMin);
        if (!(varMax >= varMin) || Double.isInfinite(varMax)) {
            throw new IllegalArgumentException("GaussNoise: varMax must be finite and >= varMin=" + varMin + ", got " + varMax);
        }
        if (!Double.isFinite(mean)) {
            throw new IllegalArgumentException("GaussNoise: mean must be finite, got " + mean);
        }
        Checks.probability("GaussNoise", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        double sd = Math.sqrt(Checks.uniform(rng, varMin, varMax));
        float[] img = tile.image();
        for (int i = 0; i < img.length; i++) {
            double v = img[i] + mean + sd * rng.nextGaussian();
            img[i] = (float) (v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}
