package io.github.hubmapseg.pipeline.schedule;

/**
 * A constant learning rate (unbounded in steps).
 *
 * @param lr the learning rate, finite and {@code > 0}
 */
public record ConstantLr(double lr) implements LrSchedule {

    /** Validates the rate. */
    public ConstantLr {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("lr must be finite and > 0, got " + lr);
        }
    }

    @Override
    public double lr(long iteration) {
        LrSchedules.checkIteration(iteration, Long.MAX_VALUE);
        return lr;
    }

    @Override
    public long totalSteps() {
        return Long.MAX_VALUE;
    }
}
