package io.github.hubmapseg.losses;

/**
 * A binary segmentation loss on logits, with its exact gradient with respect to the logits.
 *
 * <p>Inputs are a {@link BatchShape} {@code (B, H, W)}, flat row-major logits (any finite value) and labels
 * (each exactly 0 or 1) of {@code B*H*W} values. The value is the loss of the whole batch as defined by the
 * implementation (a mean, never a sum over images); the gradient written to {@code grad} is
 * {@code d value / d logits}, same layout.
 *
 * <p>Two precisions share one implementation: the {@code double[]} path is the reference (it is checked
 * against {@code losses.json}); the {@code float[]} path used in training widens the inputs to double,
 * runs the same code and rounds the gradient to float32. Implementations are immutable and thread-safe.
 *
 * <p>Bad input fails with an {@link IllegalArgumentException} naming the value: array lengths that do not
 * match the shape, NaN or infinite logits, labels other than 0 and 1.
 */
public interface SegLoss {

    /** The canonical name, in the syntax {@link Losses#parse(String)} reads back. */
    String name();

    /**
     * The loss on already validated inputs. Called by the default methods after {@code LossInputs#check};
     * implementations must not be called directly with unchecked data.
     *
     * @param shape  batch shape
     * @param logits {@code B*H*W} finite logits
     * @param labels {@code B*H*W} labels, each 0 or 1
     * @param grad   {@code B*H*W} output for the gradient (overwritten), or {@code null} for the value only
     * @return the loss value
     */
    double compute(BatchShape shape, double[] logits, double[] labels, double[] grad);

    /** The loss value (double precision). */
    default double value(BatchShape shape, double[] logits, double[] labels) {
        LossInputs.check(shape, logits, labels, null);
        return compute(shape, logits, labels, null);
    }

    /** The loss value; writes {@code d value / d logits} into {@code grad} (double precision). */
    default double valueAndGradient(BatchShape shape, double[] logits, double[] labels, double[] grad) {
        LossInputs.check(shape, logits, labels, grad);
        if (grad == null) {
            throw new IllegalArgumentException("grad must be an array of " + shape.size() + " values, got null");
        }
        return compute(shape, logits, labels, grad);
    }

    /** The loss value on float32 data (computed in double). */
    default double value(BatchShape shape, float[] logits, float[] labels) {
        LossInputs.check(shape, logits, labels, null);
        return compute(shape, LossInputs.widen(logits), LossInputs.widen(labels), null);
    }

    /**
     * The float32 training path: widens the inputs to double, computes, and rounds the gradient into
     * {@code grad}.
     *
     * @return the loss value (double, not rounded)
     */
    default double valueAndGradient(BatchShape shape, float[] logits, float[] labels, float[] grad) {
        LossInputs.check(shape, logits, labels, grad);
        if (grad == null) {
            throw new IllegalArgumentException("grad must be an array of " + shape.size() + " values, got null");
        }
        double[] g = new double[shape.size()];
        double v = compute(shape, LossInputs.widen(logits), LossInputs.widen(labels), g);
        for (int i = 0; i < g.length; i++) {
            grad[i] = (float) g[i];
        }
        return v;
    }
}
