package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Elastic deformation as albumentations' (0.5) {@code ElasticTransform}: a random affine map (three points
 * around the centre at {@code +-min(h, w)/3} each moved by up to {@code alphaAffine} pixels) followed by a
 * smooth random displacement field {@code alpha * G_sigma(U(-1, 1))} in x and y, resampled in one pass
 * (bilinear image, nearest mask, reflect-101). The Gaussian smoothing is approximated by three box blurs of
 * matching variance (linear time in the tile size, independent of sigma).
 *
 * @param alpha       displacement scale, {@code >= 0} (albumentations default 1)
 * @param sigma       smoothing of the field in pixels, {@code > 0} (default 50)
 * @param alphaAffine affine corner jitter in pixels, {@code >= 0} (default 50)
 * @param p           probability
 */
public record ElasticTransform(double alpha, double sigma, double alphaAffine, double p) implements Augmentation {

    /** Validates. */
    public ElasticTransform {
        Checks.nonNegative("ElasticTransform", "alpha", alpha);
        Checks.positive("ElasticTransform", "sigma", sigma);
        Checks.nonNegative("ElasticTransform", "alphaAffine", alphaAffine);
        Checks.probability("ElasticTransform", p);
    }

    /** albumentations 0.5 defaults ({@code alpha 1, sigma 50, alpha_affine 50}) with probability p. */
    public static ElasticTransform defaults(double p) {
        return new ElasticTransform(1, 50, 50, p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        int h = tile.height();
        int w = tile.width();
        double cx = w / 2;
        double cy = h / 2;
        double sq = Math.min(h, w) / 3;
        double[][] p1 = {{cx + sq, cy + sq}, {cx + sq, cy - sq}, {cx - sq, cy - sq}};
        double[][] p2 = new double[3][2];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 2; j++) {
                p2[i][j] = p1[i][j] + Checks.uniform(rng, -alphaAffine, alphaAffine);
            }
        }
        double[] inv = affineFromPoints(p2, p1); // maps output points back to source points
        float[] dx = field(rng, h, w);
        float[] dy = field(rng, h, w);
        float[] mapX = new float[h * w];
        float[] mapY = new float[h * w];
        for (int y = 0, i = 0; y < h; y++) {
            for (int x = 0; x < w; x++, i++) {
                double xd = x + dx[i];
                double yd = y + dy[i];
                mapX[i] = (float) (inv[0] * xd + inv[1] * yd + inv[2]);
                mapY[i] = (float) (inv[3] * xd + inv[4] * yd + inv[5]);
            }
        }
        Warp.maps(tile, mapX, mapY);
    }

    private float[] field(RandomGenerator rng, int h, int w) {
        float[] f = new float[h * w];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        Blur.gaussianApprox(f, h, w, sigma);
        for (int i = 0; i < f.length; i++) {
            f[i] *= (float) alpha;
        }
        return f;
    }

    /** The affine 2x3 matrix mapping points {@code a[i]} to {@code b[i]} (three pairs, like getAffineTransform). */
    static double[] affineFromPoints(double[][] a, double[][] b) {
        // solve [ax ay 1] * [m0 m3; m1 m4; m2 m5] = [bx by]
        double[][] m = new double[3][4];
        double[] out = new double[6];
        for (int col = 0; col < 2; col++) {
            for (int i = 0; i < 3; i++) {
                m[i][0] = a[i][0];
                m[i][1] = a[i][1];
                m[i][2] = 1;
                m[i][3] = b[i][col];
            }
            double[] sol = solve3(m);
            out[col * 3] = sol[0];
            out[col * 3 + 1] = sol[1];
            out[col * 3 + 2] = sol[2];
        }
        return out;
    }

    private static double[] solve3(double[][] m) {
        for (int c = 0; c < 3; c++) {
            int piv = c;
            for (int r = c + 1; r < 3; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) {
                    piv = r;
                }
            }
            double[] t = m[c];
            m[c] = m[piv];
            m[piv] = t;
            if (Math.abs(m[c][c]) < 1e-12) {
                throw new IllegalArgumentException("degenerate affine points");
            }
            for (int r = 0; r < 3; r++) {
                if (r != c) {
                    double f = m[r][c] / m[c][c];
                    for (int k = c; k < 4; k++) {
                        m[r][k] -= f * m[c][k];
                    }
                }
            }
        }
        return new double[] {m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]};
    }
}
