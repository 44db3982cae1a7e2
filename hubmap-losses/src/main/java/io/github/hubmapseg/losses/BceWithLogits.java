package io.github.hubmapseg.losses;

/**
 * Binary cross-entropy on logits, mean over all {@code B*H*W} pixels (PyTorch
 * {@code binary_cross_entropy_with_logits}, reduction mean). Per pixel, with smoothed target
 * {@code t = y (1 - ε) + ε/2} and {@code w = 1 + (posWeight - 1) t}:
 * {@code (1 - t) x + w softplus(-x)}, which is {@code max(x,0) - x t + log(1 + exp(-|x|))} when posWeight is 1.
 * The gradient per pixel is {@code ((1 - t) - w sigmoid(-x)) / N}.
 *
 * @param posWeight      weight of the positive term (PyTorch {@code pos_weight}), > 0; 1 for plain BCE
 * @param labelSmoothing ε in [0, 1): targets 0/1 become ε/2 and 1 - ε/2; 0 for none
 */
public record BceWithLogits(double posWeight, double labelSmoothing) implements SegLoss {

    /** Validates the parameters. */
    public BceWithLogits {
        if (!(posWeight > 0) || !Double.isFinite(posWeight)) {
            throw new IllegalArgumentException("pos_weight must be finite and > 0, got " + posWeight);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        }
    }

    /** Plain mean BCE with logits. */
    public static BceWithLogits plain() {
        return new BceWithLogits(1.0, 0.0);
    }

    @Override
    public String name() {
        if (posWeight == 1.0 && labelSmoothing == 0.0) {
            return "bce";
        }
        return "bce(pos_weight=" + posWeight + ",smoothing=" + labelSmoothing + ")";
    }

    @Override
    public double compute(BatchShape shape, double[] x, double[] y, double[] grad) {
        int n = shape.size();
        double inv = 1.0 / n;
        double sum = 0;
        boolean plain = posWeight == 1.0 && labelSmoothing == 0.0;
        for (int i = 0; i < n; i++) {
            double xi = x[i];
            if (plain) {
                double yi = y[i];
                sum += Math.max(xi, 0.0) - xi * yi + Math.log1p(Math.exp(-Math.abs(xi)));
                if (grad != null) {
                    // sigmoid(x) - y, written so that neither branch cancels
                    grad[i] = (yi == 1.0 ? -Sigmoids.sigmoid(-xi) : Sigmoids.sigmoid(xi)) * inv;
                }
            } else {
                double t = y[i] * (1 - labelSmoothing) + 0.5 * labelSmoothing;
                double w = 1 + (posWeight - 1) * t;
                sum += (1 - t) * xi + w * Sigmoids.softplus(-xi);
                if (grad != null) {
                    grad[i] = ((1 - t) - w * Sigmoids.sigmoid(-xi)) * inv;
                }
            }
        }
        return sum * inv;
    }
}
