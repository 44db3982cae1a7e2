package io.github.hubmapseg.losses;

/** Numerically stable logistic functions on doubles (package-private helpers of the losses). */
final class Sigmoids {

    private Sigmoids() {
    }

    /** {@code 1 / (1 + exp(-x))} without overflow. */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** {@code log(1 + exp(x))} without overflow: {@code max(x,0) + log1p(exp(-|x|))}. */
    static double softplus(double x) {
        return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
    }
}
