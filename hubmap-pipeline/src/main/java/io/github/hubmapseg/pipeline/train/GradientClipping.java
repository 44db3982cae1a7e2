package io.github.hubmapseg.pipeline.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Clips the global L2 norm of all gradients to {@code maxNorm}, like PyTorch's
 * {@code clip_grad_norm_(parameters, maxNorm)}: when the norm {@code n} exceeds {@code maxNorm}, every gradient is
 * scaled by {@code maxNorm / (n + 1e-6)}. DL4J's built-in {@code GradientNormalization} clips per layer or per
 * parameter type only; this listener runs after back-propagation and before the optimizer update
 * ({@code onGradientCalculation}) on the network's flattened gradient view.
 * <p>Batch-norm running statistics are not gradients: DL4J hands their update (the step towards the batch mean
 * and variance) to the optimizer through the gradient view, applied as is (a no-op updater). They are left out of
 * the norm and are never scaled, as PyTorch's running buffers are not parameters. (Scaling them, as an earlier
 * version did, froze the running mean and variance near their initial 0 and 1, so that inference-mode outputs
 * differed from training mode and the model predicted most pixels as foreground.)
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
        List<INDArray> stats = runningStatistics(model);
        List<INDArray> saved = new ArrayList<>(stats.size());
        for (INDArray s : stats) {
            saved.add(s.dup());
            s.assign(0);
        }
        double n = g.norm2Number().doubleValue();
        lastNorm = n;
        if (n > maxNorm) {
            g.muli(maxNorm / (n + 1e-6));
        }
        for (int i = 0; i < stats.size(); i++) {
            stats.get(i).assign(saved.get(i));
        }
    }

    /**
     * The batch-norm running-statistic updates inside a network's gradient view.
     *
     * @param model a network or layer after back-propagation
     * @return views of the gradient for every batch-norm layer's mean and variance (or log std)
     */
    static List<INDArray> runningStatistics(Model model) {
        Layer[] layers;
        if (model instanceof ComputationGraph cg) {
            layers = cg.getLayers();
        } else if (model instanceof MultiLayerNetwork mln) {
            layers = mln.getLayers();
        } else if (model instanceof Layer l) {
            layers = new Layer[] {l};
        } else {
            layers = new Layer[0];
        }
        List<INDArray> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l.conf().getLayer() instanceof BatchNormalization && l.getGradientsViewArray() != null) {
                Map<String, INDArray> views = BatchNormalizationParamInitializer.getInstance()
                        .getGradientsFromFlattened(l.conf(), l.getGradientsViewArray());
                for (String p : List.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
                        BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD)) {
                    INDArray v = views.get(p);
                    if (v != null) {
                        out.add(v);
                    }
                }
            }
        }
        return out;
    }
}
