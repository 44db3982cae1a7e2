package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Grid distortion as albumentations' {@code GridDistortion}: the x axis is cut into cells of
 * {@code w / numSteps} pixels, each cell stretched by a factor uniform in {@code [1 - distortLimit, 1 + distortLimit]}
 * (piecewise-linear source coordinates), the y axis likewise; bilinear image, nearest mask, reflect-101.
 *
 * @param numSteps     cells per axis, {@code >= 1} (default 5)
 * @param distortLimit {@code [0, 1)} (default 0.3)
 * @param p            probability
 */
public record GridDistortion(int numSteps, double distortLimit, double p) implements Augmentation {

    /** Validates. */
    public GridDistortion {
        if (numSteps < 1) {
            throw new IllegalArgumentException("GridDistortion: numSteps must be >= 1, got " + numSteps);
        }
        Checks.range("GridDistortion", "distortLimit", distortLimit, 0, 0.999);
        Checks.probability("GridDistortion", p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        int h = tile.height();
        int w = tile.width();
        double[] xs = new double[numSteps + 1];
        double[] ys = new double[numSteps + 1];
        for (int i = 0; i <= numSteps; i++) {
            xs[i] = 1 + Checks.uniform(rng, -distortLimit, distortLimit);
        }
        for (int i = 0; i <= numSteps; i++) {
            ys[i] = 1 + Checks.uniform(rng, -distortLimit, distortLimit);
        }
        float[] xx = axis(w, xs);
        float[] yy = axis(h, ys);
        float[] mapX = new float[h * w];
        float[] mapY = new float[h * w];
        for (int y = 0, i = 0; y < h; y++) {
            for (int x = 0; x < w; x++, i++) {
                mapX[i] = xx[x];
                mapY[i] = yy[y];
            }
        }
        Warp.maps(tile, mapX, mapY);
    }

    /** Piecewise-linear source coordinates along one axis (albumentations' loop with np.linspace). */
    private float[] axis(int n, double[] steps) {
        int step = Math.max(1, n / numSteps);
        float[] out = new float[n];
        double prev = 0;
        int idx = 0;
        for (int start = 0; start < n; start += step, idx++) {
            int end = Math.min(start + step, n);
            double cur = prev + step * steps[Math.min(idx, steps.length - 1)];
            int len = end - start;
            for (int i = 0; i < len; i++) {
                out[start + i] = (float) (len == 1 ? prev : prev + (cur - prev) * i / (len - 1));
            }
            prev = cur;
        }
        return out;
    }
}
