package io.github.hubmapseg.tiling;

/**
 * How an ensemble's members are combined per pixel, the one home of the rule: the mean of the members'
 * probabilities weighted by the members' weights (equal weights: the plain mean; team B, the 3rd place and
 * the 10th place averaged), or a k-of-n vote (team A: a pixel is foreground when at least {@code k} members'
 * probability is {@code >= threshold}; the combined value is then 1 or 0). Used by {@link Engine} on level-0
 * rows and by {@link Predictors#combined} on windows.
 */
public sealed interface Combination permits Combination.Mean, Combination.Vote {

    /** The weighted mean. */
    static Combination mean() {
        return new Mean();
    }

    /** {@code k}-of-n voting of the members' probabilities thresholded at {@code threshold}. */
    static Combination vote(int k, double threshold) {
        return new Vote(k, threshold);
    }

    /**
     * Combines {@code n} values: {@code out[outOff + i] = combine(values[m][off + i] over the members m)}.
     *
     * @param values  one array per member
     * @param weights one weight per member ({@code > 0}; the mean divides by their sum)
     */
    void combine(float[][] values, int off, double[] weights, float[] out, int outOff, int n);

    /**
     * The threshold of the mask stage for this combination: the ensemble threshold for the mean, 0.5 for the
     * vote (its values are 0 or 1).
     */
    double maskThreshold(double threshold);

    /** Checks the combination against the number of members, naming what is wrong. */
    default void check(int members) {
        if (members < 1) {
            throw new IllegalArgumentException("at least one member is required");
        }
    }

    /** Weighted mean of probabilities. */
    record Mean() implements Combination {
        @Override
        public void combine(float[][] values, int off, double[] weights, float[] out, int outOff, int n) {
            int m = values.length;
            if (m == 1) {
                System.arraycopy(values[0], off, out, outOff, n);
                return;
            }
            double sum = 0;
            for (double w : weights) {
                sum += w;
            }
            float[] f = new float[m];
            for (int j = 0; j < m; j++) {
                f[j] = (float) (weights[j] / sum);
            }
            for (int i = 0; i < n; i++) {
                float acc = 0;
                for (int j = 0; j < m; j++) {
                    acc += values[j][off + i] * f[j];
                }
                out[outOff + i] = acc;
            }
        }

        @Override
        public double maskThreshold(double threshold) {
            return threshold;
        }

        @Override
        public String toString() {
            return "weighted mean";
        }
    }

    /**
     * k-of-n vote.
     *
     * @param k         members that must agree, {@code >= 1}
     * @param threshold each member's probability threshold ({@code p >= threshold} votes yes)
     */
    record Vote(int k, double threshold) implements Combination {
        /** Validates. */
        public Vote {
            if (k < 1) {
                throw new IllegalArgumentException("vote k must be >= 1, got " + k);
            }
            if (!(threshold >= 0 && threshold <= 1)) {
                throw new IllegalArgumentException("vote threshold must be in [0, 1], got " + threshold);
            }
        }

        @Override
        public void combine(float[][] values, int off, double[] weights, float[] out, int outOff, int n) {
            int m = values.length;
            for (int i = 0; i < n; i++) {
                int yes = 0;
                for (int j = 0; j < m; j++) {
                    yes += values[j][off + i] >= threshold ? 1 : 0;
                }
                out[outOff + i] = yes >= k ? 1f : 0f;
            }
        }

        @Override
        public double maskThreshold(double t) {
            return 0.5;
        }

        @Override
        public String toString() {
            return "vote " + k + " of n at p >= " + threshold;
        }

        @Override
        public void check(int members) {
            Combination.super.check(members);
            if (k > members) {
                throw new IllegalArgumentException("vote needs k <= number of members, got k = " + k + " with "
                        + members + " members");
            }
        }
    }
}
