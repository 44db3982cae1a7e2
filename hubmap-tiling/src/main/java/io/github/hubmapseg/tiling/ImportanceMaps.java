package io.github.hubmapseg.tiling;

/**
 * Blending weight maps for overlapping tiles, row-major {@code double[height * width]}
 * ({@code map[y * width + x]}).
 */
public final class ImportanceMaps {

    private ImportanceMaps() {
    }

    /**
     * nnU-Net's Gaussian importance map in closed form, float64 (conventions of {@code gaussian.json}):
     * {@code g[i][j] = exp(-(i-ci)^2 / (2 sy^2)) * exp(-(j-cj)^2 / (2 sx^2))} where {@code |i-ci| <= ry} and
     * {@code |j-cj| <= rx}, else 0; {@code ci = H div 2}, {@code cj = W div 2}, {@code sy = scale * H},
     * {@code sx = scale * W}, {@code ry = floor(4 sy + 0.5)}, {@code rx = floor(4 sx + 0.5)} (scipy's
     * {@code gaussian_filter} radius at {@code truncate = 4}); divided by its maximum (the centre, 1); then
     * zeros replaced by the smallest non-zero value so that every pixel keeps a positive weight.
     *
     * @param height     map height H (rows), {@code > 0}
     * @param width      map width W (columns), {@code > 0}
     * @param sigmaScale sigma as a fraction of the side, {@code > 0} (nnU-Net: 1/8)
     */
    public static double[] gaussian(int height, int width, double sigmaScale) {
        double[] gy = gaussianFactor(height, sigmaScale);
        double[] gx = gaussianFactor(width, sigmaScale);
        double[] map = new double[Math.multiplyExact(height, width)];
        double max = gy[height / 2] * gx[width / 2];
        double minNonZero = Double.POSITIVE_INFINITY;
        for (int i = 0; i < height; i++) {
            for (int j = 0; j < width; j++) {
                double v = gy[i] * gx[j] / max;
                map[i * width + j] = v;
                if (v > 0 && v < minNonZero) {
                    minNonZero = v;
                }
            }
        }
        for (int k = 0; k < map.length; k++) {
            if (map[k] == 0) {
                map[k] = minNonZero;
            }
        }
        return map;
    }

    /**
     * One axis of the Gaussian map before normalisation: {@code exp(-(i-c)^2 / (2 s^2))} inside the
     * truncation radius, 0 outside; {@code c = n div 2}, {@code s = scale * n}.
     */
    public static double[] gaussianFactor(int n, double sigmaScale) {
        if (n <= 0) {
            throw new IllegalArgumentException("map size must be > 0, got " + n);
        }
        if (!(sigmaScale > 0) || Double.isInfinite(sigmaScale)) {
            throw new IllegalArgumentException("sigmaScale must be a finite number > 0, got " + sigmaScale);
        }
        double s = sigmaScale * n;
        long radius = (long) Math.floor(4 * s + 0.5);
        int c = n / 2;
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            long d = i - c;
            g[i] = Math.abs(d) <= radius ? Math.exp(-(double) (d * d) / (2 * s * s)) : 0.0;
        }
        return g;
    }

    /** {@code true} when the truncation radius cuts the Gaussian on one axis (then the map has replaced zeros). */
    public static boolean truncates(int n, double sigmaScale) {
        double[] g = gaussianFactor(n, sigmaScale);
        for (double v : g) {
            if (v == 0) {
                return true;
            }
        }
        return false;
    }

    /** A map of ones (plain averaging of overlaps). */
    public static double[] ones(int height, int width) {
        double[] m = new double[Math.multiplyExact(height, width)];
        java.util.Arrays.fill(m, 1.0);
        return m;
    }
}
