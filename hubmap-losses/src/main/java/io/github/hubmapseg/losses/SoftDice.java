package io.github.hubmapseg.losses;

/**
 * Soft Dice loss on sigmoid probabilities: {@code p = sigmoid(x)},
 * {@code 1 - (2 Σ p y + smooth) / (Σ p + Σ y + smooth)}. With {@code perImage} false the sums run over the
 * whole batch (one Dice of the batch); with {@code perImage} true the loss is computed per image and
 * averaged over the B images (so an image without positives still counts, with its own smoothing).
 *
 * @param smooth   additive smoothing of numerator and denominator, >= 0 (1 in the references)
 * @param perImage per-image Dice averaged over the batch, or pooled over the batch
 */
public record SoftDice(double smooth, boolean perImage) implements SegLoss {

    /** Validates the parameters. */
    public SoftDice {
        if (!(smooth >= 0) || !Double.isFinite(smooth)) {
            throw new IllegalArgumentException("dice smooth must be finite and >= 0, got " + smooth);
        }
    }

    @Override
    public String name() {
        String base = perImage ? "dice_per_image" : "dice";
        return smooth == 1.0 ? base : base + "(smooth=" + smooth + ")";
    }

    @Override
    public double compute(BatchShape shape, double[] x, double[] y, double[] grad) {
        return ImageGroups.reduce(shape, perImage, x, y, grad, this::group);
    }

    /** Dice loss of pixels [off, off+n); gradient scaled by {@code scale}. */
    private double group(double[] x, double[] y, double[] grad, int off, int n, double scale) {
        double inter = 0;
        double sp = 0;
        double sy = 0;
        for (int i = off; i < off + n; i++) {
            double p = Sigmoids.sigmoid(x[i]);
            inter += p * y[i];
            sp += p;
            sy += y[i];
        }
        double num = 2 * inter + smooth;
        double den = sp + sy + smooth;
        if (den == 0) {
            // no positives, all probabilities underflowed and smooth = 0: define the loss as 0
            if (grad != null) {
                java.util.Arrays.fill(grad, off, off + n, 0.0);
            }
            return 0.0;
        }
        if (grad != null) {
            double den2 = den * den;
            for (int i = off; i < off + n; i++) {
                double p = Sigmoids.sigmoid(x[i]);
                double dLdp = -(2 * y[i] * den - num) / den2;
                grad[i] = dLdp * p * (1 - p) * scale;
            }
        }
        return 1.0 - num / den;
    }
}
