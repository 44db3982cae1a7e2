package io.github.hubmapseg.tiling.post;

/**
 * Krähenbühl and Koltun's fully connected CRF (NIPS 2011) with two labels (background, glomerulus) and mean-field
 * inference, as pydensecrf runs it (team B: "DenseCRF was used to generate the final mask for each patch based on
 * the probabilities"): unary {@code -log(clip(p_l, 1e-5, 1))} (pydensecrf's {@code unary_from_softmax}), a Gaussian
 * kernel on positions ({@code sxy}, Potts weight {@code compat}) and a bilateral kernel on positions and RGB, both
 * with densecrf's symmetric normalisation ({@code D^-1/2 K D^-1/2}, {@code D = K 1}), evaluated on a
 * {@link Permutohedral} lattice, and {@code iterations} mean-field updates
 * {@code Q = softmax(-U + sum_k w_k D_k^-1/2 K_k D_k^-1/2 Q)}. The settings are pydensecrf's usual ones that the
 * issue names (team B's write-up gives none).
 *
 * @param gaussianSxy     positional standard deviation of the Gaussian kernel, pixels (3)
 * @param gaussianCompat  Potts weight of the Gaussian kernel (3)
 * @param bilateralSxy    positional standard deviation of the bilateral kernel, pixels (80)
 * @param bilateralSrgb   colour standard deviation of the bilateral kernel, 8-bit units (13)
 * @param bilateralCompat Potts weight of the bilateral kernel (10)
 * @param iterations      mean-field iterations (5)
 */
public record DenseCrf(double gaussianSxy, double gaussianCompat, double bilateralSxy, double bilateralSrgb,
                       double bilateralCompat, int iterations) {

    /** pydensecrf's usual settings, the ones the issue gives for team B: sxy 3 compat 3; sxy 80, srgb 13, compat 10; 5 iterations. */
    public static final DenseCrf TEAM_B = new DenseCrf(3, 3, 80, 13, 10, 5);

    /**
     * Heap bytes one patch's inference holds per pixel at most, for the memory plan: the unary, marginal and message
     * arrays (36), both kernels' features (28), normalisation and buffers (2 x 16) and each lattice's offsets and
     * barycentric weights ({@code 8 (d + 1)}: 24 and 48), its blur neighbours and values ({@code 8 (d + 1) + 16} per
     * vertex) and its hash table (at most 60 per vertex), with at most one lattice vertex per pixel: the kernels'
     * scales (3 and 80 pixels) give far fewer ({@code DenseCrfTest} checks the bound against the JVM's allocation
     * counter on a textured patch).
     */
    public static final int BYTES_PER_PIXEL = 36 + 28 + 2 * 16 + (24 + 24 + 16 + 60) + (48 + 48 + 16 + 60);

    /** pydensecrf's {@code unary_from_softmax} clip. */
    static final float CLIP = 1e-5f;

    /** Validates. */
    public DenseCrf {
        positive("gaussian sxy", gaussianSxy);
        positive("bilateral sxy", bilateralSxy);
        positive("bilateral srgb", bilateralSrgb);
        if (!(gaussianCompat >= 0) || !(bilateralCompat >= 0) || Double.isInfinite(gaussianCompat)
                || Double.isInfinite(bilateralCompat)) {
            throw new IllegalArgumentException("CRF compat weights must be finite and >= 0, got " + gaussianCompat
                    + " and " + bilateralCompat);
        }
        if (iterations < 0 || iterations > 1000) {
            throw new IllegalArgumentException("CRF iterations must be in 0..1000, got " + iterations);
        }
    }

    private static void positive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("CRF " + what + " must be > 0, got " + v);
        }
    }

    /**
     * Mean-field inference on one patch.
     *
     * @param prob   foreground probabilities, row-major, {@code width * height}
     * @param rgb    the patch's pixels, channel-planar ({@code x + width (y + height c)}), 8-bit
     * @param width  patch width
     * @param height patch height
     * @return the foreground marginal {@code Q_1} per pixel (the MAP label is {@code Q_1 > Q_0})
     */
    public float[] infer(float[] prob, byte[] rgb, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("CRF patch must be non-empty, got " + width + " x " + height);
        }
        int n = Math.multiplyExact(width, height);
        if (prob.length < n || rgb.length < 3L * n) {
            throw new IllegalArgumentException("CRF patch " + width + " x " + height + " needs " + n
                    + " probabilities and " + 3L * n + " RGB values, got " + prob.length + " and " + rgb.length);
        }
        float[] unary = new float[2 * n];
        for (int i = 0; i < n; i++) {
            float p = prob[i];
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("CRF input must be probabilities in [0, 1], got " + p + " at pixel "
                        + i % width + ", " + i / width);
            }
            unary[2 * i] = (float) -Math.log(Math.max(1f - p, CLIP));
            unary[2 * i + 1] = (float) -Math.log(Math.max(p, CLIP));
        }
        Kernel[] kernels = {
                new Kernel(gaussianFeatures(width, height), 2, n, (float) gaussianCompat),
                new Kernel(bilateralFeatures(rgb, width, height), 5, n, (float) bilateralCompat)};
        float[] q = new float[2 * n];
        float[] tmp = new float[2 * n];
        float[] msg = new float[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            tmp[i] = -unary[i];
        }
        softmax(tmp, q, n);
        for (int it = 0; it < iterations; it++) {
            for (int i = 0; i < 2 * n; i++) {
                tmp[i] = -unary[i];
            }
            for (Kernel k : kernels) {
                k.apply(q, msg);
                for (int i = 0; i < 2 * n; i++) {
                    tmp[i] += msg[i];
                }
            }
            softmax(tmp, q, n);
        }
        float[] fg = new float[n];
        for (int i = 0; i < n; i++) {
            fg[i] = q[2 * i + 1];
        }
        return fg;
    }

    private float[] gaussianFeatures(int w, int h) {
        float[] f = new float[2 * w * h];
        float sx = (float) gaussianSxy;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                f[2 * i] = x / sx;
                f[2 * i + 1] = y / sx;
            }
        }
        return f;
    }

    private float[] bilateralFeatures(byte[] rgb, int w, int h) {
        int n = w * h;
        float[] f = new float[5 * n];
        float sx = (float) bilateralSxy;
        float sr = (float) bilateralSrgb;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                f[5 * i] = x / sx;
                f[5 * i + 1] = y / sx;
                f[5 * i + 2] = (rgb[i] & 0xFF) / sr;
                f[5 * i + 3] = (rgb[n + i] & 0xFF) / sr;
                f[5 * i + 4] = (rgb[2 * n + i] & 0xFF) / sr;
            }
        }
        return f;
    }

    /** densecrf's {@code expAndNormalize} over the two labels of each pixel. */
    private static void softmax(float[] in, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            float a = in[2 * i];
            float b = in[2 * i + 1];
            float mx = Math.max(a, b);
            float ea = (float) Math.exp(a - mx);
            float eb = (float) Math.exp(b - mx);
            float s = ea + eb;
            out[2 * i] = ea / s;
            out[2 * i + 1] = eb / s;
        }
    }

    /** One pairwise term: lattice, symmetric normalisation and Potts weight (message {@code w D^-1/2 K D^-1/2 Q}). */
    private static final class Kernel {
        private final Permutohedral lattice;
        private final float[] norm;
        private final float weight;
        private final float[] buf;

        Kernel(float[] features, int d, int n, float weight) {
            this.lattice = new Permutohedral(features, n, d);
            this.weight = weight;
            float[] ones = new float[n];
            java.util.Arrays.fill(ones, 1f);
            norm = new float[n];
            lattice.compute(ones, norm, 1);
            for (int i = 0; i < n; i++) {
                norm[i] = (float) (1.0 / Math.sqrt(norm[i] + 1e-20));
            }
            buf = new float[2 * n];
        }

        void apply(float[] q, float[] out) {
            int n = norm.length;
            for (int i = 0; i < n; i++) {
                buf[2 * i] = q[2 * i] * norm[i];
                buf[2 * i + 1] = q[2 * i + 1] * norm[i];
            }
            lattice.compute(buf, out, 2);
            for (int i = 0; i < n; i++) {
                out[2 * i] *= norm[i] * weight;
                out[2 * i + 1] *= norm[i] * weight;
            }
        }
    }
}
