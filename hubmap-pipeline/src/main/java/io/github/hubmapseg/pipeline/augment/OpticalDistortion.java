package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Barrel / pincushion distortion as albumentations' {@code OpticalDistortion} (OpenCV
 * {@code initUndistortRectifyMap} with {@code k1 = k2 = k}, {@code k} uniform in
 * {@code [-distortLimit, distortLimit]}, focal lengths {@code w, h}, centre {@code (w/2 + dx, h/2 + dy)} with
 * {@code dx, dy} the rounded uniform shifts in {@code [-shiftLimit, shiftLimit]}); bilinear image, nearest mask,
 * reflect-101.
 *
 * @param distortLimit {@code >= 0} (default 0.05)
 * @param shiftLimit   {@code >= 0} (default 0.05, which rounds to no shift, as in albumentations)
 * @param p            probability
 */
public record OpticalDistortion(double distortLimit, double shiftLimit, double p) implements Augmentation {

    /** Validates. */
    public OpticalDistortion {
        Checks.range("OpticalDistortion", "distortLimit", distortLimit, 0, 1);
        Checks.nonNegative("OpticalDistortion", "shiftLimit", shiftLimit);
        Checks.probability("OpticalDistortion", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        int h = tile.height();
        int w = tile.width();
        double k = Checks.uniform(rng, -distortLimit, distortLimit);
        double dx = Math.rint(Checks.uniform(rng, -shiftLimit, shiftLimit));
        double dy = Math.rint(Checks.uniform(rng, -shiftLimit, shiftLimit));
        double fx = w;
        double fy = h;
        double cx = w * 0.5 + dx;
        double cy = h * 0.5 + dy;
        Warp.remap(tile, (x, y, out) -> {
            double u = (x - cx) / fx;
            double v = (y - cy) / fy;
            double r2 = u * u + v * v;
            double kr = 1 + k * r2 + k * r2 * r2;
            out[0] = fx * u * kr + cx;
            out[1] = fy * v * kr + cy;
        }, h, w);
    }
}
