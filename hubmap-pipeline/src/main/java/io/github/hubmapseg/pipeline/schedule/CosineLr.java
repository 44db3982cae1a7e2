package io.github.hubmapseg.pipeline.schedule;

/**
 * Cosine annealing from {@code baseLr} to {@code minLr} over {@code totalSteps} steps, optionally after a
 * linear warm-up. Without warm-up it is the closed form of PyTorch's {@code CosineAnnealingLR}
 * ({@code T_max = totalSteps - 1}, so the last step gets exactly {@code minLr}):
 * {@code lr(t) = minLr + (baseLr - minLr) * (1 + cos(pi * t / (totalSteps - 1))) / 2}.
 * With {@code warmupSteps = w > 0}, steps {@code 0..w-1} rise linearly from {@code baseLr / (w + 1)} to
 * {@code baseLr * w / (w + 1)}, and the cosine runs over the remaining {@code totalSteps - w} steps.
 *
 * @param baseLr      the peak (initial) learning rate, {@code > 0}
 * @param minLr       the final learning rate, {@code 0 <= minLr <= baseLr}
 * @param totalSteps  number of steps, {@code > warmupSteps + 1}
 * @param warmupSteps linear warm-up steps, {@code >= 0}
 */
public record CosineLr(double baseLr, double minLr, long totalSteps, long warmupSteps) implements LrSchedule {

    /** Validates the parameters. */
    public CosineLr {
        if (!(baseLr > 0) || Double.isInfinite(baseLr)) {
            throw new IllegalArgumentException("baseLr must be finite and > 0, got " + baseLr);
        }
        if (!(minLr >= 0) || minLr > baseLr) {
            throw new IllegalArgumentException("minLr must be in [0, baseLr=" + baseLr + "], got " + minLr);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        }
        if (totalSteps < warmupSteps + 2) {
            throw new IllegalArgumentException("totalSteps must be >= warmupSteps + 2 = " + (warmupSteps + 2)
                    + ", got " + totalSteps);
        }
    }

    @Override
    public double lr(long iteration) {
        LrSchedules.checkIteration(iteration, totalSteps);
        if (iteration < warmupSteps) {
            return baseLr * (iteration + 1) / (warmupSteps + 1);
        }
        double t = iteration - warmupSteps;
        double span = totalSteps - warmupSteps - 1;
        return minLr + (baseLr - minLr) * (1 + Math.cos(Math.PI * t / span)) / 2;
    }
}
