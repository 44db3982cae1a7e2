package io.github.hubmapseg.pipeline.schedule;

/**
 * A learning-rate schedule: a pure function from the optimizer step (iteration, counted from 0 before
 * the first update) to the learning rate used for that step. Implementations are immutable records and
 * thread-safe; {@link LrSchedules} holds the factories and helpers.
 */
public interface LrSchedule {

    /**
     * The learning rate for optimizer step {@code iteration} (0-based).
     *
     * @throws IllegalArgumentException if the iteration is negative or past the schedule's end
     */
    double lr(long iteration);

    /** Number of steps the schedule is defined for, or {@link Long#MAX_VALUE} when unbounded. */
    long totalSteps();

    /**
     * The momentum (SGD momentum or Adam's beta1) for step {@code iteration}; schedules that do not cycle
     * momentum return {@link Double#NaN}, meaning "leave the optimizer's own value".
     */
    default double momentum(long iteration) {
        return Double.NaN;
    }
}
