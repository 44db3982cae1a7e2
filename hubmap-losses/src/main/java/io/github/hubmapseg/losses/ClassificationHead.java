package io.github.hubmapseg.losses;

/**
 * The classification-head loss of the 1st-place solution: one logit per tile for "this tile contains a
 * glomerulus", trained with mean BCE against {@code any(mask)} of the tile.
 */
final class ClassificationHead {

    private ClassificationHead() {
    }

    /** One 0/1 target per image of the batch: 1 when the image's mask has a positive pixel. */
    public static double[] targets(BatchShape maskShape, double[] labels) {
        LossInputs.checkLabels(maskShape, labels);
        int ppi = maskShape.pixelsPerImage();
        double[] t = new double[maskShape.batch()];
        for (int b = 0; b < t.length; b++) {
            for (int p = b * ppi; p < (b + 1) * ppi; p++) {
                if (labels[p] != 0) {
                    t[b] = 1;
                    break;
                }
            }
        }
        return t;
    }

    /**
     * Mean BCE of the B tile logits against the tile targets of the masks.
     *
     * @param maskShape shape of the masks
     * @param labels    0/1 masks
     * @param logits    B logits, one per tile
     * @param grad      B outputs for the gradient, or null
     * @return the loss
     */
    public static double valueAndGradient(BatchShape maskShape, double[] labels, double[] logits, double[] grad) {
        double[] t = targets(maskShape, labels);
        BatchShape s = BatchShape.of(maskShape.batch(), 1, 1);
        BceWithLogits bce = BceWithLogits.plain();
        return grad == null ? bce.value(s, logits, t) : bce.valueAndGradient(s, logits, t, grad);
    }
}
