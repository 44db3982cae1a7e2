package io.github.hubmapseg.losses;

/**
 * Binary focal loss on logits (Lin et al. 2017; torchvision {@code sigmoid_focal_loss}, reduction mean):
 * mean over all pixels of {@code α_t (1 - p_t)^γ BCE(x, y)} with {@code p = sigmoid(x)},
 * {@code p_t = p} where y = 1 and {@code 1 - p} where y = 0, {@code α_t = α} where y = 1 and {@code 1 - α}
 * where y = 0, or 1 everywhere without α. The gradient per pixel is
 * {@code -s α_t q^γ (γ p_t BCE + q) / N} with {@code s = 2y - 1} and {@code q = 1 - p_t}.
 *
 * @param gamma focusing exponent γ >= 0 (2 in the references; 0 gives BCE)
 * @param alpha class weight α in [0, 1], or {@code NaN} for no weighting
 */
public record Focal(double gamma, double alpha) implements SegLoss {

    /** Validates the parameters. */
    public Focal {
        if (!(gamma >= 0) || !Double.isFinite(gamma)) {
            throw new IllegalArgumentException("focal gamma must be finite and >= 0, got " + gamma);
        }
        if (!Double.isNaN(alpha) && !(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("focal alpha must be in [0, 1] (or absent), got " + alpha);
        }
    }

    /** Whether α weighting is on. */
    public boolean hasAlpha() {
        return !Double.isNaN(alpha);
    }

    @Override
    public String name() {
        return "focal(gamma=" + gamma + (hasAlpha() ? ",alpha=" + alpha : "") + ")";
    }

    @Override
    public double compute(BatchShape shape, double[] x, double[] y, double[] grad) {
        int n = shape.size();
        double inv = 1.0 / n;
        boolean weighted = hasAlpha();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double s = y[i] == 1.0 ? 1.0 : -1.0;
            double sx = s * x[i];
            double q = Sigmoids.sigmoid(-sx);      // 1 - p_t
            double pt = Sigmoids.sigmoid(sx);      // p_t
            double bce = Sigmoids.softplus(-sx);   // -log p_t
            double at = weighted ? (s > 0 ? alpha : 1 - alpha) : 1.0;
            double qg = gamma == 2.0 ? q * q : Math.pow(q, gamma);
            sum += at * qg * bce;
            if (grad != null) {
                grad[i] = -s * at * qg * (gamma * pt * bce + q) * inv;
            }
        }
        return sum * inv;
    }
}
