package io.github.hubmapseg.pipeline.schedule;

/**
 * Factories and helpers for {@link LrSchedule}s: {@link #oneCycle}, {@link #cosine}, {@link #constant},
 * and {@link #table} to tabulate a schedule (for plots and logs).
 */
public final class LrSchedules {

    private LrSchedules() {
    }

    /** One-cycle with PyTorch's defaults except the given {@code pctStart} and {@code divFactor}. */
    public static OneCycleLr oneCycle(double maxLr, long totalSteps, double pctStart, double divFactor) {
        return OneCycleLr.of(maxLr, totalSteps).with(pctStart, divFactor);
    }

    /** The 3rd-place setting: one-cycle, {@code pct_start 0.2, div_factor 1e2, max_lr 1e-4}. */
    public static OneCycleLr thirdPlace(long totalSteps) {
        return oneCycle(1e-4, totalSteps, 0.2, 1e2);
    }

    /** Cosine annealing from {@code baseLr} to {@code minLr} over {@code totalSteps}, no warm-up. */
    public static CosineLr cosine(double baseLr, double minLr, long totalSteps) {
        return new CosineLr(baseLr, minLr, totalSteps, 0);
    }

    /** A constant rate. */
    public static ConstantLr constant(double lr) {
        return new ConstantLr(lr);
    }

    /** The rates for steps {@code 0..steps-1}. */
    public static double[] table(LrSchedule schedule, int steps) {
        if (steps < 0 || steps > schedule.totalSteps()) {
            throw new IllegalArgumentException("steps must be in [0, " + schedule.totalSteps() + "], got " + steps);
        }
        double[] out = new double[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = schedule.lr(i);
        }
        return out;
    }

    static void checkIteration(long iteration, long totalSteps) {
        if (iteration < 0 || iteration >= totalSteps) {
            throw new IllegalArgumentException("iteration must be in [0, " + (totalSteps - 1) + "], got " + iteration);
        }
    }
}
