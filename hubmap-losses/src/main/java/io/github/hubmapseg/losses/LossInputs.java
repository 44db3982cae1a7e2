package io.github.hubmapseg.losses;

import java.util.function.DoubleFunction;
import java.util.function.IntToDoubleFunction;

/**
 * Validation and conversion of loss inputs: lengths against the {@link BatchShape}, finite logits, labels
 * in {0, 1}. Errors name the offending value and its {@code (b, y, x)} position.
 */
final class LossInputs {

    private LossInputs() {
    }

    /** Checks double inputs; {@code grad} may be null. */
    public static void check(BatchShape shape, double[] logits, double[] labels, double[] grad) {
        lengths(shape, logits == null ? -1 : logits.length, labels == null ? -1 : labels.length, grad != null,
                grad == null ? 0 : grad.length);
        checkLogits(shape, logits.length, i -> logits[i], String::valueOf);
        checkLabels(shape, labels.length, i -> labels[i], String::valueOf);
    }

    /** Checks float inputs; {@code grad} may be null. */
    public static void check(BatchShape shape, float[] logits, float[] labels, float[] grad) {
        lengths(shape, logits == null ? -1 : logits.length, labels == null ? -1 : labels.length, grad != null,
                grad == null ? 0 : grad.length);
        checkLogits(shape, logits.length, i -> logits[i], v -> String.valueOf((float) v));
        checkLabels(shape, labels.length, i -> labels[i], v -> String.valueOf((float) v));
    }

    /** Checks that {@code logits} has {@code shape.size()} finite values. */
    public static void checkLogits(BatchShape shape, double[] logits) {
        requireShape(shape);
        length("logits", logits == null ? -1 : logits.length, shape);
        checkLogits(shape, logits.length, i -> logits[i], String::valueOf);
    }

    /** Checks that {@code labels} has {@code shape.size()} values, each 0 or 1. */
    public static void checkLabels(BatchShape shape, double[] labels) {
        requireShape(shape);
        length("labels", labels == null ? -1 : labels.length, shape);
        checkLabels(shape, labels.length, i -> labels[i], String::valueOf);
    }

    /** The lengths of logits, labels and (with a gradient) grad against the shape; -1 for null. */
    private static void lengths(BatchShape shape, int logits, int labels, boolean hasGrad, int grad) {
        requireShape(shape);
        length("logits", logits, shape);
        length("labels", labels, shape);
        if (hasGrad) {
            length("grad", grad, shape);
        }
    }

    /** One check of every logit, float or double ({@code show} prints a value in its own type). */
    private static void checkLogits(BatchShape shape, int n, IntToDoubleFunction logit, DoubleFunction<String> show) {
        for (int i = 0; i < n; i++) {
            double v = logit.applyAsDouble(i);
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("logits must be finite, got " + show.apply(v) + " at " + where(shape, i));
            }
        }
    }

    /** One check of every label, float or double. */
    private static void checkLabels(BatchShape shape, int n, IntToDoubleFunction label, DoubleFunction<String> show) {
        for (int i = 0; i < n; i++) {
            double v = label.applyAsDouble(i);
            if (v != 0.0 && v != 1.0) {
                throw new IllegalArgumentException("labels must be 0 or 1, got " + show.apply(v) + " at " + where(shape, i));
            }
        }
    }

    /** A float array widened to double. */
    public static double[] widen(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    /** The position {@code (b, y, x)} of flat index {@code i}, for messages. */
    public static String where(BatchShape shape, int i) {
        int ppi = shape.pixelsPerImage();
        int b = i / ppi;
        int r = i - b * ppi;
        return "(b=" + b + ", y=" + (r / shape.width()) + ", x=" + (r % shape.width()) + ")";
    }

    private static void requireShape(BatchShape shape) {
        if (shape == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
    }

    private static void length(String what, int length, BatchShape shape) {
        if (length != shape.size()) {
            throw new IllegalArgumentException(what + " must have B*H*W = " + shape.size() + " values for shape "
                    + shape + ", got " + (length < 0 ? "null" : length + " values"));
        }
    }
}
