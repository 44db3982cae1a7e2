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
        double num = inter + smooth;
        double den = sp + sy - inter + smooth;
        if (den == 0) {
            if (grad != null) {
                java.util.Arrays.fill(grad, off, off + n, 0.0);
            }
            return 0.0;
        }
        if (grad != null) {
            double den2 = den * den;
            for (int i = off; i < off + n; i++) {
                double p = Sigmoids.sigmoid(x[i]);
                double dLdp = -(y[i] * den - num * (1 - y[i])) / den2;
                grad[i] = dLdp * p * (1 - p) * scale;
            }
        }
        return 1.0 - num / den;
    }
}
