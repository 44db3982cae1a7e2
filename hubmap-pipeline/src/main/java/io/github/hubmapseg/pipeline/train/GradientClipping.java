package io.github.hubmapseg.pipeline.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Clips the global L2 norm of all gradients to {@code maxNorm}, like PyTorch's
 * {@code clip_grad_norm_(parameters, maxNorm)}: when the norm {@code n} exceeds {@code maxNorm}, every gradient is
 * scaled by {@code maxNorm / (n + 1e-6)}. DL4J's built-in {@code GradientNormalization} clips per layer or per
 * parameter type only; this listener runs after back-propagation and before the optimizer update
 * ({@code onGradientCalculation}) on the network's flattened gradient view.
 */
public final class GradientClipping extends BaseTrainingListener {
    private final double maxNorm;
    private double lastNorm = Double.NaN;

    /** @param maxNorm the maximum global norm, {@code > 0} */
    public GradientClipping(double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        }
        this.maxNorm = maxNorm;
    }

    /** @return the norm of the last step's gradient before clipping */
    public double lastNorm() {
        return lastNorm;
    }

    @Override
    public void onGradientCalculation(Model model) {
        INDArray g = model.gradient().gradient();
        double n = g.norm2Number().doubleValue();
        lastNorm = n;
        if (n > maxNorm) {
            g.muli(maxNorm / (n + 1e-6));
        }
    }
}
