package io.github.hubmapseg.models;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's 2-D convolution layer configuration with a faster NHWC forward pass; same parameters, same
 * results, same JSON apart from the class name. {@code Blocks#conv} builds every convolution with it.
 *
 * <p>Why: in M2.1, {@code ConvolutionLayer.preOutput} copies every NHWC input into an NCHW array
 * ({@code input.permute(0,3,1,2).dup()}) before it hands the <em>original</em> NHWC input to the oneDNN
 * helper, which never reads the copy; the copy is made on every forward pass and again on the backward
 * pass (about 8 % of a tiny U-Net training step, a full transpose of every convolution input). This layer
 * calls the helper directly when one is in use, the layout is NHWC and the mode is not {@code Same};
 * otherwise (no helper, NCHW, {@code Same}, or built under {@code -Dhubmap.accelerate=false}) it runs DL4J's
 * code unchanged.
 *
 * <p>Training through oneDNN 2.5: where {@link OneDnnGroupedConv} is available, a float32 NHWC layer with the
 * identity activation, a square kernel, equal strides and paddings, {@code Truncate} mode and no dilation runs its
 * forward pass, backward-data and backward-weights passes as {@link OneDnnGroupedConv}'s convolution with one group
 * (activations handed over in place as NHWC, the weight {@code [out, in, k, k]} as oneDNN's {@code oihw}), like
 * {@link GroupedConvolutionLayer}. Why: libnd4j's oneDNN 2.3, which DL4J's helper calls, reorders the activations of
 * narrow layers (8 channels at 256 x 256 in the tiny U-Net) into a channel-blocked layout around every backward
 * pass, serial memory-bound copies on the calling thread (docs/dl4j-notes.md, "Two cores for the tiny U-Net").
 * {@code -Dhubmap.denseConv=dl4j} keeps the helper path (for comparisons); the parameters, the JSON and the
 * checkpoints are the same either way.
 */
public class NhwcConvolutionLayer extends org.deeplearning4j.nn.conf.layers.ConvolutionLayer {
    private static final long serialVersionUID = 1L;

    /**
     * {@code -Dhubmap.denseConv=dl4j} trains dense convolutions through DL4J's oneDNN 2.3 helper (the earlier path)
     * instead of {@link OneDnnGroupedConv}'s oneDNN 2.5 convolution; read at every call.
     */
    public static final String PROPERTY = "hubmap.denseConv";

    /** For JSON deserialisation. */
    public NhwcConvolutionLayer() {
        super();
    }

    /**
     * @param builder a configured DL4J convolution builder (its {@code build()} is not called)
     */
    public NhwcConvolutionLayer(org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("ConvolutionLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        Impl ret = new Impl(conf, networkDataType,
                !"false".equalsIgnoreCase(System.getProperty(Dl4jRuntime.ACCELERATE)));
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    /** The layer implementation: DL4J's, with the NHWC helper path taken without the NCHW copy. */
    static final class Impl extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
        private static final long serialVersionUID = 1L;

        /** The input whose forward output {@code preOutput} holds (cache mode on), else null. */
        private transient INDArray cachedFor;

        /** False when built under {@code -Dhubmap.accelerate=false}: DL4J's own code path, for comparisons. */
        private final boolean enabled;

        Impl(NeuralNetConfiguration conf, DataType dataType, boolean enabled) {
            super(conf, dataType);
            this.enabled = enabled;
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (oneDnn25() != null) {
                // identity activation: the convolution is the output, and backprop needs no copy of it
                assertInputSet(false);
                applyDropOutIfNecessary(training, workspaceMgr);
                cachedFor = null;
                return preOutput(training, false, workspaceMgr).getFirst();
            }
            INDArray before = preOutput;
            INDArray out = super.activate(training, workspaceMgr);
            // DL4J never clears the cached forward output: remember which input it belongs to, so that a
            // backward pass after a forward pass that did not refresh it recomputes instead of using stale values
            cachedFor = preOutput != null && preOutput != before ? input : null;
            return out;
        }

        /**
         * @return the geometry when the oneDNN 2.5 path applies to the current input and configuration, else null
         *     (then DL4J's helper or DL4J's own code runs, and reports any invalid input)
         */
        OneDnnGroupedConv.Key oneDnn25() {
            org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
            if (!enabled || input == null || input.rank() != 4 || input.dataType() != DataType.FLOAT
                    || dataType != DataType.FLOAT || c.getCnn2dDataFormat() != CNN2DFormat.NHWC
                    || convolutionMode != ConvolutionMode.Truncate || input.size(3) != c.getNIn()
                    || !(c.getActivationFn() instanceof ActivationIdentity)
                    || "dl4j".equalsIgnoreCase(System.getProperty(PROPERTY))
                    || "false".equalsIgnoreCase(System.getProperty(Dl4jRuntime.ENABLE))) {
                return null;
            }
            int[] k = c.getKernelSize();
            int[] s = c.getStride();
            int[] p = c.getPadding();
            int[] d = c.getDilation();
            if (k[0] != k[1] || s[0] != s[1] || p[0] != p[1] || d[0] != 1 || d[1] != 1) {
                return null;
            }
            OneDnnGroupedConv.Key key = new OneDnnGroupedConv.Key(input.size(0), input.size(1), input.size(2),
                    c.getNIn(), c.getNOut(), 1, k[0], s[0], p[0], c.hasBias());
            if (key.ho() < 1 || key.wo() < 1) {
                return null;
            }
            return OneDnnPresence.usable() ? key : null;
        }

        /** @return whether the direct NHWC helper path applies to the current input */
        boolean direct() {
            return enabled && helper != null && helperCountFail == 0 && input != null && input.rank() == 4
                    && input.dataType() == dataType && convolutionMode != ConvolutionMode.Same
                    && layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC;
        }

        @Override
        protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop,
                LayerWorkspaceMgr workspaceMgr) {
            OneDnnGroupedConv.Key key = oneDnn25();
            if (key != null) {
                INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
                INDArray bias = hasBias()
                        ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr) : null;
                return new Pair<>(OneDnnGroupedConv.trainForward(key, input, weights, bias, workspaceMgr), null);
            }
            if (!direct()) {
                return super.preOutput(training, forBackprop, workspaceMgr);
            }
            if (preOutput != null && forBackprop && cachedFor == input) {
                return new Pair<>(preOutput, null);
            }
            INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
            validateInputDepth(weights.size(1));
            if (!hasBias()) {
                if (dummyBias == null) {
                    try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                        dummyBias = Nd4j.create(1, layerConf().getNOut());
                    }
                }
                bias = dummyBias;
            }
            INDArray ret = helper.preOutput(input, weights, bias, layerConf().getKernelSize(), layerConf().getStride(),
                    layerConf().getPadding(), layerConf().getCudnnAlgoMode(), layerConf().getCudnnFwdAlgo(),
                    convolutionMode, layerConf().getDilation(), CNN2DFormat.NHWC, workspaceMgr);
            if (ret == null) {
                // the helper declines what it does not support (e.g. double precision): DL4J's own path
                return super.preOutput(training, forBackprop, workspaceMgr);
            }
            return new Pair<>(ret, null);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            OneDnnGroupedConv.Key key = oneDnn25();
            if (key == null) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            assertInputSet(true);
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
            INDArray dw = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
            INDArray db = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
            INDArray dx = OneDnnGroupedConv.trainBackward(key, input, weights, epsilon, dw, db, workspaceMgr);
            Gradient g = new DefaultGradient();
            if (db != null) {
                g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, db);
            }
            g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, dw);
            weightNoiseParams.clear();
            return new Pair<>(g, backpropDropOutIfPresent(dx));
        }
    }
}
