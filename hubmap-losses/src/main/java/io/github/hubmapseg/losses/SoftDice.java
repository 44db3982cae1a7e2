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

    /** The loss of pixels [off, off+n) ({@link SoftOverlap} with a = 2, b = 0); gradient scaled by {@code scale}. */
    private double group(double[] x, double[] y, double[] grad, int off, int n, double scale) {
        return SoftOverlap.group(x, y, grad, off, n, scale, 2, 0, smooth);
    }
}
