package io.github.hubmapseg.losses;

/**
 * Deep supervision: a loss applied to an auxiliary output, usually of lower resolution than the target,
 * weighted, and optionally only on the images of the batch whose (full-resolution) target is non-empty.
 * The 1st-place recipe is {@code DeepSupervision.of(Losses.parse("bce+lovasz"), 0.1, true, MAX_POOL)} per
 * auxiliary output (their auxiliary logits were upsampled to full size, which {@link TargetResize} leaves
 * unchanged).
 *
 * <p>Value: {@code weight * loss(aux logits of the kept images, resized targets of the kept images)}; 0 with
 * a zero gradient when no image is kept. The gradient of dropped images is 0.
 *
 * @param loss         loss applied to the auxiliary output
 * @param weight       finite weight (0.1 each in the 1st-place solution)
 * @param nonEmptyOnly apply only to images whose full-resolution target has a positive pixel
 * @param resize       how the target is brought to the auxiliary resolution
 */
public record DeepSupervision(SegLoss loss, double weight, boolean nonEmptyOnly, TargetResize resize) {

    /** Validates the parameters. */
    public DeepSupervision {
        if (loss == null) {
            throw new IllegalArgumentException("deep supervision loss must not be null");
        }
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("deep supervision weight must be finite, got " + weight);
        }
        if (resize == null) {
            throw new IllegalArgumentException("deep supervision target resize must not be null");
        }
    }

    /** Factory with every parameter. */
    public static DeepSupervision of(SegLoss loss, double weight, boolean nonEmptyOnly, TargetResize resize) {
        return new DeepSupervision(loss, weight, nonEmptyOnly, resize);
    }

    /** The 1st-place setting: weight 0.1, non-empty tiles only, targets max-pooled. */
    public static DeepSupervision firstPlace(SegLoss loss) {
        return new DeepSupervision(loss, 0.1, true, TargetResize.MAX_POOL);
    }

    /**
     * The weighted auxiliary loss and its gradient with respect to the auxiliary logits.
     *
     * @param targetShape full-resolution shape of {@code labels}
     * @param labels      full-resolution 0/1 targets
     * @param auxShape    shape of the auxiliary output (same batch)
     * @param auxLogits   auxiliary logits
     * @param auxGrad     output for the gradient (overwritten) or null
     * @return the weighted loss
     */
    public double valueAndGradient(BatchShape targetShape, double[] labels, BatchShape auxShape, double[] auxLogits,
                                   double[] auxGrad) {
        LossInputs.checkLabels(targetShape, labels);
        LossInputs.checkLogits(auxShape, auxLogits);
        if (auxGrad != null && auxGrad.length != auxShape.size()) {
            throw new IllegalArgumentException("grad must have " + auxShape.size() + " values for shape " + auxShape
                    + ", got " + auxGrad.length);
        }
        double[] small = resize.resize(labels, targetShape, auxShape);
        int b = auxShape.batch();
        int ppiFull = targetShape.pixelsPerImage();
        int ppi = auxShape.pixelsPerImage();
        boolean[] keep = new boolean[b];
        int kept = 0;
        for (int i = 0; i < b; i++) {
            boolean k = !nonEmptyOnly;
            if (nonEmptyOnly) {
                for (int p = i * ppiFull; p < (i + 1) * ppiFull; p++) {
                    if (labels[p] != 0) {
                        k = true;
                        break;
                    }
                }
            }
            keep[i] = k;
            if (k) {
                kept++;
            }
        }
        if (auxGrad != null) {
            java.util.Arrays.fill(auxGrad, 0.0);
        }
        if (kept == 0) {
            return 0.0;
        }
        if (kept == b) {
            double v = loss.compute(auxShape, auxLogits, small, auxGrad);
            if (auxGrad != null) {
                for (int i = 0; i < auxGrad.length; i++) {
                    auxGrad[i] *= weight;
                }
            }
            return weight * v;
        }
        BatchShape sub = auxShape.withBatch(kept);
        double[] xs = new double[sub.size()];
        double[] ys = new double[sub.size()];
        for (int i = 0, k = 0; i < b; i++) {
            if (keep[i]) {
                System.arraycopy(auxLogits, i * ppi, xs, k * ppi, ppi);
                System.arraycopy(small, i * ppi, ys, k * ppi, ppi);
                k++;
            }
        }
        double[] gs = auxGrad == null ? null : new double[sub.size()];
        double v = loss.compute(sub, xs, ys, gs);
        if (auxGrad != null) {
            for (int i = 0, k = 0; i < b; i++) {
                if (keep[i]) {
                    for (int p = 0; p < ppi; p++) {
                        auxGrad[i * ppi + p] = weight * gs[k * ppi + p];
                    }
                    k++;
                }
            }
        }
        return weight * v;
    }
}
