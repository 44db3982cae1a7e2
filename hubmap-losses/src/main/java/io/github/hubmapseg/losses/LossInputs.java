package io.github.hubmapseg.losses;

/**
 * Validation and conversion of loss inputs: lengths against the {@link BatchShape}, finite logits, labels
 * in {0, 1}. Errors name the offending value and its {@code (b, y, x)} position.
 */
final class LossInputs {

    private LossInputs() {
    }

    /** Checks double inputs; {@code grad} may be null. */
    public static void check(BatchShape shape, double[] logits, double[] labels, double[] grad) {
        requireShape(shape);
        length("logits", logits == null ? -1 : logits.length, shape);
        length("labels", labels == null ? -1 : labels.length, shape);
        if (grad != null) {
            length("grad", grad.length, shape);
        }
        for (int i = 0; i < logits.length; i++) {
            double v = logits[i];
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("logits must be finite, got " + v + " at " + where(shape, i));
            }
        }
        for (int i = 0; i < labels.length; i++) {
            double v = labels[i];
            if (v != 0.0 && v != 1.0) {
                throw new IllegalArgumentException("labels must be 0 or 1, got " + v + " at " + where(shape, i));
            }
        }
    }

    /** Checks float inputs; {@code grad} may be null. */
    public static void check(BatchShape shape, float[] logits, float[] labels, float[] grad) {
        requireShape(shape);
        length("logits", logits == null ? -1 : logits.length, shape);
        length("labels", labels == null ? -1 : labels.length, shape);
        if (grad != null) {
            length("grad", grad.length, shape);
        }
        for (int i = 0; i < logits.length; i++) {
            float v = logits[i];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("logits must be finite, got " + v + " at " + where(shape, i));
            }
        }
        for (int i = 0; i < labels.length; i++) {
            float v = labels[i];
            if (v != 0f && v != 1f) {
                throw new IllegalArgumentException("labels must be 0 or 1, got " + v + " at " + where(shape, i));
            }
        }
    }

    /** Checks that {@code logits} has {@code shape.size()} finite values. */
    public static void checkLogits(BatchShape shape, double[] logits) {
        requireShape(shape);
        length("logits", logits == null ? -1 : logits.length, shape);
        for (int i = 0; i < logits.length; i++) {
            if (!Double.isFinite(logits[i])) {
                throw new IllegalArgumentException("logits must be finite, got " + logits[i] + " at " + where(shape, i));
            }
        }
    }

    /** Checks that {@code labels} has {@code shape.size()} values, each 0 or 1. */
    public static void checkLabels(BatchShape shape, double[] labels) {
        requireShape(shape);
        length("labels", labels == null ? -1 : labels.length, shape);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0.0 && labels[i] != 1.0) {
                throw new IllegalArgumentException("labels must be 0 or 1, got " + labels[i] + " at " + where(shape, i));
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
