package io.github.hubmapseg.losses;

/**
 * The "per image or pooled over the batch" reduction shared by the set-based losses (soft Dice, Lovász
 * hinge): a pooled loss is one group of all {@code B*H*W} pixels; a per-image loss is the mean of the
 * {@code B} groups of {@code H*W} pixels, each group's gradient scaled by {@code 1/B}.
 */
final class ImageGroups {

    private ImageGroups() {
    }

    /** A loss on the pixel group {@code [off, off + n)} that adds {@code scale * dL/dx} into {@code grad}. */
    @FunctionalInterface
    interface GroupLoss {
        double group(double[] x, double[] y, double[] grad, int off, int n, double scale);
    }

    /** Applies {@code loss} pooled over the whole batch, or per image and averaged. */
    static double reduce(BatchShape shape, boolean perImage, double[] x, double[] y, double[] grad, GroupLoss loss) {
        if (!perImage) {
            return loss.group(x, y, grad, 0, shape.size(), 1.0);
        }
        int ppi = shape.pixelsPerImage();
        int b = shape.batch();
        double sum = 0;
        for (int i = 0; i < b; i++) {
            sum += loss.group(x, y, grad, i * ppi, ppi, 1.0 / b);
        }
        return sum / b;
    }
}
