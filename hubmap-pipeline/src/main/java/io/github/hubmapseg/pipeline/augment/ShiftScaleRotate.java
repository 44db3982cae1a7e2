package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * A random affine map as albumentations' {@code ShiftScaleRotate}: angle uniform in
 * {@code [-rotateLimit, rotateLimit]} degrees (positive = counter-clockwise on screen), scale uniform in
 * {@code [1 - scaleLimit, 1 + scaleLimit]}, shifts uniform in {@code [-shiftLimit, shiftLimit]} times the width
 * (x) and height (y); rotation and scale about the tile centre {@code ((w-1)/2, (h-1)/2)} (OpenCV uses
 * {@code (w/2, h/2)}, half a pixel off). Bilinear image, nearest mask, reflect-101 border (the 3rd place used
 * {@code BORDER_REFLECT}, which differs only in repeating the edge pixel).
 *
 * @param shiftLimit  fraction of the size, {@code >= 0} (albumentations default 0.0625)
 * @param scaleLimit  {@code [0, 1)} (default 0.1)
 * @param rotateLimit degrees, {@code [0, 180]} (default 45)
 * @param p           probability (default 0.5)
 */
public record ShiftScaleRotate(double shiftLimit, double scaleLimit, double rotateLimit, double p)
        implements Augmentation {

    /** Validates. */
    public ShiftScaleRotate {
        Checks.nonNegative("ShiftScaleRotate", "shiftLimit", shiftLimit);
        Checks.range("ShiftScaleRotate", "scaleLimit", scaleLimit, 0, 0.999);
        Checks.range("ShiftScaleRotate", "rotateLimit", rotateLimit, 0, 180);
        Checks.probability("ShiftScaleRotate", p);
    }

    /** albumentations' defaults: shift 0.0625, scale 0.1, rotate 45, p 0.5. */
    public static ShiftScaleRotate defaults() {
        return new ShiftScaleRotate(0.0625, 0.1, 45, 0.5);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        double angle = Checks.uniform(rng, -rotateLimit, rotateLimit);
        double scale = Checks.uniform(rng, 1 - scaleLimit, 1 + scaleLimit);
        double dx = Checks.uniform(rng, -shiftLimit, shiftLimit);
        double dy = Checks.uniform(rng, -shiftLimit, shiftLimit);
        apply(tile, angle, scale, dx * tile.width(), dy * tile.height());
    }

    /** Applies a given rotation (degrees), scale and shift (pixels). */
    static void apply(Tile tile, double angleDeg, double scale, double tx, double ty) {
        double cx = (tile.width() - 1) / 2.0;
        double cy = (tile.height() - 1) / 2.0;
        double t = Math.toRadians(angleDeg);
        double cos = Math.cos(t);
        double sin = Math.sin(t);
        // forward (OpenCV getRotationMatrix2D + shift): x' = s( cos*(x-cx) + sin*(y-cy)) + cx + tx
        //                                                y' = s(-sin*(x-cx) + cos*(y-cy)) + cy + ty
        double[] inv = {
            cos / scale, -sin / scale, 0,
            sin / scale, cos / scale, 0};
        inv[2] = cx - inv[0] * (cx + tx) - inv[1] * (cy + ty);
        inv[5] = cy - inv[3] * (cx + tx) - inv[4] * (cy + ty);
        Warp.affine(tile, inv);
    }
}
