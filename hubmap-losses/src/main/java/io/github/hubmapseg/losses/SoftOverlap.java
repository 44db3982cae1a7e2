package io.github.hubmapseg.losses;

/**
 * The one sum loop of the soft overlap losses ({@link SoftDice}, {@link SoftJaccard}): on sigmoid probabilities
 * {@code p = sigmoid(x)} with {@code I = Σ p y}, {@code P = Σ p}, {@code Y = Σ y}, the loss of a pixel group is
 * {@code 1 - num / den} with {@code num = a I + s} and {@code den = P + Y + b I + s} ({@code a, b} = 2, 0 for Dice;
 * 1, -1 for Jaccard, whose union is {@code P + Y - I}). Gradient:
 * {@code dL/dp_i = -(a y_i den - num (1 + b y_i)) / den^2}, times {@code p_i (1 - p_i)}. A group with
 * {@code den = 0} (no positives, every probability underflowed and {@code s = 0}) has loss 0 and gradient 0.
 */
final class SoftOverlap {

    private SoftOverlap() {
    }

    /**
     * The loss of pixels {@code [off, off + n)}; the gradient, scaled by {@code scale}, into {@code grad} (null: none).
     *
     * @param interInNum {@code a}: the intersection's weight in the numerator
     * @param interInDen {@code b}: the intersection's weight in the denominator
     * @param smooth     {@code s}
     */
    static double group(double[] x, double[] y, double[] grad, int off, int n, double scale, double interInNum,
                        double interInDen, double smooth) {
        double inter = 0;
        double sp = 0;
        double sy = 0;
        for (int i = off; i < off + n; i++) {
            double p = Sigmoids.sigmoid(x[i]);
            inter += p * y[i];
            sp += p;
            sy += y[i];
        }
        double num = interInNum * inter + smooth;
        double den = sp + sy + interInDen * inter + smooth;
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
                double dLdp = -(interInNum * y[i] * den - num * (1 + interInDen * y[i])) / den2;
                grad[i] = dLdp * p * (1 - p) * scale;
            }
        }
        return 1.0 - num / den;
    }
}
