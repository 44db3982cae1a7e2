package io.github.hubmapseg.pipeline.augment;

/** Parameter checks with messages that name the value. */
final class Checks {

    private Checks() {
    }

    static void probability(String owner, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(owner + ": p must be in [0, 1], got " + p);
        }
    }

    static void nonNegative(String owner, String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(owner + ": " + name + " must be finite and >= 0, got " + v);
        }
    }

    static void positive(String owner, String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(owner + ": " + name + " must be finite and > 0, got " + v);
        }
    }

    static void range(String owner, String name, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException(owner + ": " + name + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }

    static void intRange(String owner, String what, int min, int max, int lowest) {
        if (min < lowest || max < min) {
            throw new IllegalArgumentException(owner + ": " + what + " range must satisfy " + lowest
                    + " <= min <= max, got [" + min + ", " + max + "]");
        }
    }

    /** Uniform in [lo, hi). */
    static double uniform(java.util.random.RandomGenerator rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    /** Uniform integer in [lo, hi] inclusive. */
    static int uniformInt(java.util.random.RandomGenerator rng, int lo, int hi) {
        return lo + rng.nextInt(hi - lo + 1);
    }
}
