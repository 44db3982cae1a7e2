package io.github.hubmapseg.pipeline.threshold;

import java.util.Arrays;

/**
 * A strictly increasing list of finite thresholds to try on probability maps. Immutable (the array is
 * copied in and out).
 */
public final class ThresholdGrid {

    private final double[] values;
    private final double step;

    private ThresholdGrid(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("threshold grid must not be empty");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("threshold " + i + " must be finite, got " + values[i]);
            }
            if (i > 0 && !(values[i] > values[i - 1])) {
                throw new IllegalArgumentException("thresholds must be strictly increasing, got " + values[i - 1]
                        + " then " + values[i] + " at index " + i);
            }
        }
        this.values = values;
        this.step = values.length > 1 ? (values[values.length - 1] - values[0]) / (values.length - 1) : 1;
    }

    /** The given thresholds (strictly increasing, finite). */
    public static ThresholdGrid of(double... thresholds) {
        return new ThresholdGrid(thresholds.clone());
    }

    /**
     * {@code from, from + step, ...} up to {@code to} inclusive (within a relative 1e-9 of a step), each value
     * rounded to 12 decimals so that e.g. 0.3 is the double nearest to 0.3.
     */
    public static ThresholdGrid linear(double from, double to, double step) {
        if (!(step > 0) || !Double.isFinite(step)) {
            throw new IllegalArgumentException("step must be finite and > 0, got " + step);
        }
        if (!Double.isFinite(from) || !Double.isFinite(to) || to < from) {
            throw new IllegalArgumentException("need finite from <= to, got from=" + from + " to=" + to);
        }
        long n = (long) Math.floor((to - from) / step + 1e-9) + 1;
        if (n > 1_000_000) {
            throw new IllegalArgumentException("threshold grid too large: " + n + " values (max 1000000)");
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.round((from + i * step) * 1e12) / 1e12;
        }
        return new ThresholdGrid(v);
    }

    /** The usual search grid {@code 0.01, 0.02, ..., 0.99}. */
    public static ThresholdGrid percent() {
        return linear(0.01, 0.99, 0.01);
    }

    /** Number of thresholds. */
    public int size() {
        return values.length;
    }

    /** Threshold {@code i}. */
    public double get(int i) {
        return values[i];
    }

    /** A copy of the thresholds. */
    public double[] values() {
        return values.clone();
    }

    /**
     * The number of thresholds at or below which {@code p} counts as foreground: pixel {@code p} is foreground at
     * threshold {@code k} iff {@code k < bin(p)}. Exact for any grid (an arithmetic guess corrected by
     * comparisons).
     */
    int bin(double p, Comparison cmp) {
        int n = values.length;
        int b = (int) Math.floor((p - values[0]) / step) + 1;
        if (b < 0 || p != p) {
            b = 0;
        } else if (b > n) {
            b = n;
        }
        if (cmp == Comparison.GREATER_OR_EQUAL) {
            while (b > 0 && !(p >= values[b - 1])) {
                b--;
            }
            while (b < n && p >= values[b]) {
                b++;
            }
        } else {
            while (b > 0 && !(p > values[b - 1])) {
                b--;
            }
            while (b < n && p > values[b]) {
                b++;
            }
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ThresholdGrid g && Arrays.equals(values, g.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return values.length <= 6 ? "ThresholdGrid" + Arrays.toString(values)
                : "ThresholdGrid[" + values[0] + " .. " + values[values.length - 1] + ", " + values.length + " values]";
    }
}
