package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Hue, saturation and value shifts of an RGB image (3 channels, mask untouched) as albumentations'
 * {@code HueSaturationValue} on uint8 images: hue shifted by {@code U(-hueShiftLimit, hueShiftLimit)} in
 * OpenCV units (2 degrees each, wrapping), saturation and value by {@code U(-limit, limit)} on the 0..255
 * scale, clipped. Conversion RGB to HSV and back is done in float without quantisation.
 *
 * @param hueShiftLimit OpenCV hue units (0..180 is the full circle), {@code >= 0} (default 20)
 * @param satShiftLimit 0..255 units, {@code >= 0} (default 30)
 * @param valShiftLimit 0..255 units, {@code >= 0} (default 20)
 * @param p             probability
 */
public record HueSaturationValue(double hueShiftLimit, double satShiftLimit, double valShiftLimit, double p)
        implements Augmentation {

    /** Validates. */
    public HueSaturationValue {
        Checks.range("HueSaturationValue", "hueShiftLimit", hueShiftLimit, 0, 180);
        Checks.range("HueSaturationValue", "satShiftLimit", satShiftLimit, 0, 255);
        Checks.range("HueSaturationValue", "valShiftLimit", valShiftLimit, 0, 255);
        Checks.probability("HueSaturationValue", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        if (tile.channels() != 3) {
            throw new IllegalArgumentException("HueSaturationValue needs an RGB tile (3 channels), got "
                    + tile.channels() + " channels");
        }
        double hue = Checks.uniform(rng, -hueShiftLimit, hueShiftLimit);
        double ds = Checks.uniform(rng, -satShiftLimit, satShiftLimit);
        double dv = Checks.uniform(rng, -valShiftLimit, valShiftLimit);
        shift(tile, hue, ds, dv);
    }

    /** Shifts hue by {@code hue} OpenCV units, saturation and value by {@code ds, dv} (0..255 units). */
    static void shift(Tile tile, double hue, double ds, double dv) {
        double dh = hue * 2; // degrees
        float[] img = tile.image();
        int n = tile.height() * tile.width();
        for (int i = 0; i < n; i++) {
            double r = img[i];
            double g = img[n + i];
            double b = img[2 * n + i];
            double max = Math.max(r, Math.max(g, b));
            double min = Math.min(r, Math.min(g, b));
            double delta = max - min;
            double h;
            if (delta <= 0) {
                h = 0;
            } else if (max == r) {
                h = 60 * ((g - b) / delta);
            } else if (max == g) {
                h = 60 * ((b - r) / delta + 2);
            } else {
                h = 60 * ((r - g) / delta + 4);
            }
            double s = max <= 0 ? 0 : delta / max * 255;
            double v = max;
            h = ((h + dh) % 360 + 360) % 360;
            s = clip(s + ds);
            v = clip(v + dv);
            // back to RGB
            double c = v * s / 255;
            double hp = h / 60;
            double x = c * (1 - Math.abs(hp % 2 - 1));
            double r1;
            double g1;
            double b1;
            switch ((int) hp) {
                case 0 -> { r1 = c; g1 = x; b1 = 0; }
                case 1 -> { r1 = x; g1 = c; b1 = 0; }
                case 2 -> { r1 = 0; g1 = c; b1 = x; }
                case 3 -> { r1 = 0; g1 = x; b1 = c; }
                case 4 -> { r1 = x; g1 = 0; b1 = c; }
                default -> { r1 = c; g1 = 0; b1 = x; }
            }
            double m = v - c;
            img[i] = (float) (r1 + m);
            img[n + i] = (float) (g1 + m);
            img[2 * n + i] = (float) (b1 + m);
        }
    }

    private static double clip(double v) {
        return v < 0 ? 0 : v > 255 ? 255 : v;
    }
}
