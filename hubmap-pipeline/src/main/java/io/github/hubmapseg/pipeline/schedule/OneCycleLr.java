package io.github.hubmapseg.pipeline.schedule;

/**
 * The one-cycle policy (Smith and Topin 2017) exactly as PyTorch's {@code torch.optim.lr_scheduler.OneCycleLR}
 * computes it (torch 1.13, {@code three_phase=False} or {@code True}): the rate starts at
 * {@code initial = maxLr / divFactor}, rises to {@code maxLr} by step {@code pctStart * totalSteps - 1}, then
 * falls to {@code min = initial / finalDivFactor} at step {@code totalSteps - 1}; each phase interpolates
 * with the cosine ({@code end + (start - end) * (1 + cos(pi * pct)) / 2}) or linearly. Momentum cycles the
 * opposite way between {@code maxMomentum} and {@code baseMomentum} (for Adam this is beta1).
 *
 * <p>The 3rd-place recipe uses {@code pctStart = 0.2, divFactor = 1e2, maxLr = 1e-4} (PyTorch defaults for
 * the rest: {@code finalDivFactor = 1e4}, cosine, momentum 0.85..0.95).
 *
 * @param maxLr          peak learning rate, {@code > 0}
 * @param totalSteps     total optimizer steps (epochs * steps per epoch), {@code >= 2}
 * @param pctStart       fraction of steps spent increasing, in {@code (0, 1)}
 * @param divFactor      {@code initial = maxLr / divFactor}, {@code > 0}
 * @param finalDivFactor {@code min = initial / finalDivFactor}, {@code > 0}
 * @param cosine         cosine annealing ({@code true}, PyTorch default) or linear
 * @param threePhase     PyTorch's {@code three_phase}: up, symmetric down to {@code initial}, then to {@code min}
 * @param baseMomentum   lowest momentum (PyTorch default 0.85)
 * @param maxMomentum    highest momentum (PyTorch default 0.95)
 */
public record OneCycleLr(double maxLr, long totalSteps, double pctStart, double divFactor, double finalDivFactor,
                         boolean cosine, boolean threePhase, double baseMomentum, double maxMomentum)
        implements LrSchedule {

    /** Validates the parameters (the same checks as PyTorch, with the offending value named). */
    public OneCycleLr {
        if (!(maxLr > 0) || Double.isInfinite(maxLr)) {
            throw new IllegalArgumentException("maxLr must be finite and > 0, got " + maxLr);
        }
        if (totalSteps < 2) {
            throw new IllegalArgumentException("totalSteps must be >= 2, got " + totalSteps);
        }
        if (!(pctStart > 0 && pctStart < 1)) {
            throw new IllegalArgumentException("pctStart must be in (0, 1), got " + pctStart);
        }
        if (!(divFactor > 0) || Double.isInfinite(divFactor)) {
            throw new IllegalArgumentException("divFactor must be finite and > 0, got " + divFactor);
        }
        if (!(finalDivFactor > 0) || Double.isInfinite(finalDivFactor)) {
            throw new IllegalArgumentException("finalDivFactor must be finite and > 0, got " + finalDivFactor);
        }
        if (!(baseMomentum >= 0 && baseMomentum <= maxMomentum && maxMomentum < 1)) {
            throw new IllegalArgumentException("momenta must satisfy 0 <= baseMomentum <= maxMomentum < 1, got "
                    + baseMomentum + " and " + maxMomentum);
        }
        double up = pctStart * totalSteps - 1;
        if (up <= 0 || (threePhase ? 2 * pctStart * totalSteps - 2 : totalSteps - 1) <= up) {
            throw new IllegalArgumentException("pctStart * totalSteps must be > 1 and leave a decreasing phase, got pctStart="
                    + pctStart + " with totalSteps=" + totalSteps);
        }
    }

    /**
     * PyTorch's defaults ({@code pct_start=0.3, div_factor=25, final_div_factor=1e4}, cosine, two phases,
     * momentum 0.85..0.95) for a peak rate and a step count.
     */
    public static OneCycleLr of(double maxLr, long totalSteps) {
        return new OneCycleLr(maxLr, totalSteps, 0.3, 25, 1e4, true, false, 0.85, 0.95);
    }

    /** A copy with another {@code pctStart} and {@code divFactor} (the two settings recipes usually change). */
    public OneCycleLr with(double pctStart, double divFactor) {
        return new OneCycleLr(maxLr, totalSteps, pctStart, divFactor, finalDivFactor, cosine, threePhase,
                baseMomentum, maxMomentum);
    }

    /** The starting rate {@code maxLr / divFactor}. */
    public double initialLr() {
        return maxLr / divFactor;
    }

    /** The final rate {@code initialLr / finalDivFactor}. */
    public double minLr() {
        return initialLr() / finalDivFactor;
    }

    @Override
    public double lr(long iteration) {
        return evaluate(iteration, initialLr(), maxLr, minLr());
    }

    @Override
    public double momentum(long iteration) {
        return evaluate(iteration, maxMomentum, baseMomentum, maxMomentum);
    }

    /** PyTorch's phase walk; {@code a -> b} in the first phase, {@code b -> (a) -> c} after. */
    private double evaluate(long iteration, double a, double b, double c) {
        LrSchedules.checkIteration(iteration, totalSteps);
        double[] ends;
        double[][] values;
        if (threePhase) {
            ends = new double[] {pctStart * totalSteps - 1, 2 * pctStart * totalSteps - 2, totalSteps - 1};
            values = new double[][] {{a, b}, {b, a}, {a, c}};
        } else {
            ends = new double[] {pctStart * totalSteps - 1, totalSteps - 1};
            values = new double[][] {{a, b}, {b, c}};
        }
        double start = 0;
        for (int i = 0; i < ends.length; i++) {
            if (iteration <= ends[i] || i == ends.length - 1) {
                double pct = (iteration - start) / (ends[i] - start);
                return anneal(values[i][0], values[i][1], pct);
            }
            start = ends[i];
        }
        throw new AssertionError("unreachable");
    }

    private double anneal(double start, double end, double pct) {
        if (cosine) {
            return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
        }
        return (end - start) * pct + start;
    }
}
