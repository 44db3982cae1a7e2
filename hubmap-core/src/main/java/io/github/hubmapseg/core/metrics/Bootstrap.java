package io.github.hubmapseg.core.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap intervals of Dice scores: over images (the mean of per-image Dice, the Kaggle metric)
 * and over glomeruli (the pooled Dice of {@code Detection#units}, resampled as whole units). Deterministic for
 * a seed.
 */
public final class Bootstrap {

    /** Resamples per interval. */
    public static final int RESAMPLES = 2000;

    private Bootstrap() {
    }

    /**
     * An estimate with its interval.
     *
     * @param estimate the statistic on the data
     * @param low      lower bound of the interval
     * @param high     upper bound
     * @param n        number of resampled units
     */
    public record Interval(double estimate, double low, double high, int n) {
        /** @return {@code "0.9123 [0.9001, 0.9245]"} */
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%.4f [%.4f, %.4f]", estimate, low, high);
        }

        /** @return whether the interval excludes {@code v} */
        public boolean excludes(double v) {
            return v < low || v > high;
        }
    }

    /**
     * Interval of the mean of {@code values} (e.g. per-slide Dice): resample the values with replacement
     * {@code resamples} times and take the {@code (1 - level) / 2} and {@code (1 + level) / 2} quantiles of the
     * means (linear interpolation between order statistics).
     */
    public static Interval mean(double[] values, double level, int resamples, long seed) {
        check(values.length, level, resamples);
        SplittableRandom r = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        int n = values.length;
        for (int b = 0; b < resamples; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += values[r.nextInt(n)];
            }
            stats[b] = s / n;
        }
        double est = 0;
        for (double v : values) {
            est += v;
        }
        return interval(est / n, stats, level, n);
    }

    /**
     * Interval of the pooled Dice {@code 2 sum(I) / (sum(P) + sum(T))} over units {@code {I, P, T}} (e.g.
     * {@code Detection#units} of every test image), resampling units with replacement.
     */
    public static Interval pooledDice(List<long[]> units, double level, int resamples, long seed) {
        check(units.size(), level, resamples);
        SplittableRandom r = new SplittableRandom(seed);
        int n = units.size();
        double[] stats = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            long i = 0;
            long d = 0;
            for (int k = 0; k < n; k++) {
                long[] u = units.get(r.nextInt(n));
                i += u[0];
                d += u[1] + u[2];
            }
            stats[b] = d == 0 ? 1 : 2.0 * i / d;
        }
        long i = 0;
        long d = 0;
        for (long[] u : units) {
            i += u[0];
            d += u[1] + u[2];
        }
        return interval(d == 0 ? 1 : 2.0 * i / d, stats, level, n);
    }

    private static void check(int n, double level, int resamples) {
        if (n < 1) {
            throw new IllegalArgumentException("bootstrap needs at least one unit, got none");
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("interval level must be in (0, 1), got " + level);
        }
        if (resamples < 10) {
            throw new IllegalArgumentException("resamples must be >= 10, got " + resamples);
        }
    }

    private static Interval interval(double est, double[] stats, double level, int n) {
        Arrays.sort(stats);
        return new Interval(est, quantile(stats, (1 - level) / 2), quantile(stats, (1 + level) / 2), n);
    }

    /** Quantile of sorted values, linear between order statistics (numpy's default). */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
