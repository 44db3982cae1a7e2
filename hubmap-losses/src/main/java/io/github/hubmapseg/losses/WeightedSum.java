package io.github.hubmapseg.losses;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A weighted sum of losses, {@code Σ w_k L_k}, with gradient {@code Σ w_k dL_k}. The 1st-place recipe is
 * {@code bce + lovasz}; {@code 0.5*bce+0.5*dice} is another common one.
 *
 * @param terms the weighted terms, at least one
 */
public record WeightedSum(List<Term> terms) implements SegLoss {

    /**
     * One weighted term.
     *
     * @param weight finite weight (any sign; usually > 0)
     * @param loss   the loss
     */
    public record Term(double weight, SegLoss loss) {
        /** Validates the term. */
        public Term {
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException("loss weight must be finite, got " + weight);
            }
            if (loss == null) {
                throw new IllegalArgumentException("loss of a weighted term must not be null");
            }
        }
    }

    /** Validates and copies the terms. */
    public WeightedSum {
        if (terms == null || terms.isEmpty()) {
            throw new IllegalArgumentException("a weighted sum needs at least one term, got " + terms);
        }
        terms = List.copyOf(terms);
    }

    @Override
    public String name() {
        return terms.stream()
                .map(t -> t.weight() == 1.0 ? t.loss().name() : t.weight() + "*" + t.loss().name())
                .collect(Collectors.joining("+"));
    }

    @Override
    public double compute(BatchShape shape, double[] x, double[] y, double[] grad) {
        double[] g = grad == null ? null : new double[grad.length];
        if (grad != null) {
            java.util.Arrays.fill(grad, 0.0);
        }
        double sum = 0;
        for (Term t : terms) {
            double w = t.weight();
            sum += w * t.loss().compute(shape, x, y, g);
            if (grad != null) {
                for (int i = 0; i < grad.length; i++) {
                    grad[i] += w * g[i];
                }
            }
        }
        return sum;
    }
}
