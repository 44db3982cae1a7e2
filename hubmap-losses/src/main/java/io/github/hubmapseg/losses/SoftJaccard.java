package io.github.hubmapseg.losses;

/**
 * Soft Jaccard (IoU) loss on sigmoid probabilities, as segmentation_models' (Keras) {@code JaccardLoss} that
 * the 23rd place's {@code bce_jaccard_loss} adds to BCE: {@code p = sigmoid(x)}, {@code I = Σ p y},
 * {@code U = Σ p + Σ y - I}, loss {@code 1 - (I + smooth) / (U + smooth)} with {@code smooth = 1e-5}
 * (segmentation_models' default), the sums over the whole batch ({@code per_image=False}, its default) or per
 * image and averaged. Gradient: {@code dL/dp_i = -(y_i (U + s) - (I + s)(1 - y_i)) / (U + s)^2}, times
 * {@code p_i (1 - p_i)}.
 *
 * @param smooth   additive smoothing of numerator and denominator, >= 0
 * @param perImage per-image loss averaged over the batch, or pooled over the batch
 */
record SoftJaccard(double smooth, boolean perImage) implements SegLoss {

    /** segmentation_models' smoothing. */
    public static final double SM_SMOOTH = 1e-5;

    /** Validates the parameters. */
    public SoftJaccard {
        if (!(smooth >= 0) || !Double.isFinite(smooth)) {
            throw new IllegalArgumentException("jaccard smooth must be finite and >= 0, got " + smooth);
        }
    }

    @Override
    public String name() {
        String base = perImage ? "jaccard_per_image" : "jaccard";
        return smooth == SM_SMOOTH ? base : base + "(smooth=" + smooth + ")";
    }

    @Override
    public double compute(BatchShape shape, double[] x, double[] y, double[] grad) {
        return ImageGroups.reduce(shape, perImage, x, y, grad, this::group);
    }

    /** The loss of pixels [off, off+n) ({@link SoftOverlap} with a = 1, b = -1); gradient scaled by {@code scale}. */
    private double group(double[] x, double[] y, double[] grad, int off, int n, double scale) {
        return SoftOverlap.group(x, y, grad, off, n, scale, 1, -1, smooth);
    }
}
