package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Brightness and contrast as albumentations' {@code RandomBrightnessContrast} (brightness by max): contrast
 * {@code a = 1 + U(-contrastLimit, contrastLimit)}, brightness {@code b = U(-brightnessLimit, brightnessLimit)},
 * {@code out = clip(a * in + 255 * b, 0, 255)}; mask untouched.
 *
 * @param brightnessLimit {@code >= 0} (default 0.2)
 * @param contrastLimit   {@code >= 0} (default 0.2)
 * @param p               probability
 */
public record RandomBrightnessContrast(double brightnessLimit, double contrastLimit, double p) implements Augmentation {

    /** Validates. */
    public RandomBrightnessContrast {
        Checks.nonNegative("RandomBrightnessContrast", "brightnessLimit", brightnessLimit);
        Checks.nonNegative("RandomBrightnessContrast", "contrastLimit", contrastLimit);
        Checks.probability("RandomBrightnessContrast", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        float a = (float) (1 + Checks.uniform(rng, -contrastLimit, contrastLimit));
        float b = (float) (255 * Checks.uniform(rng, -brightnessLimit, brightnessLimit));
        float[] img = tile.image();
        for (int i = 0; i < img.length; i++) {
            float v = a * img[i] + b;
            img[i] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
    }
}
