package io.github.hubmapseg.models;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A real grouped 2-D convolution, {@code torch.nn.Conv2d(in, out, k, stride, padding, groups=G, bias)}, as a DL4J
 * layer: NHWC activations, weight {@code W} stored as PyTorch stores it, {@code [out, in/G, k, k]} (G times fewer
 * weights and FLOPs than a dense convolution), optional bias {@code b}. Computed by oneDNN's grouped convolution
 * ({@link OneDnnGroupedConv}); where oneDNN cannot load (or with {@code -Dhubmap.groupedConv=dense}) by libnd4j's
 * dense {@code conv2d}/{@code conv2d_bp} with the block-diagonal expansion of the weight (same result, G times
 * the work). Only the identity activation, square kernels, symmetric padding ({@link ConvolutionMode#Truncate}),
 * no dilation and float32 are supported; the configuration refuses anything else.
 *
 * <p>Replaces the earlier masked dense convolution ({@link GroupMaskConstraint}); checkpoints of that form are
 * converted when they load ({@link Checkpoints#restore}).
 */
public class GroupedConvolutionLayer extends org.deeplearning4j.nn.conf.layers.ConvolutionLayer {
    private static final long serialVersionUID = 1L;

    private int groups = 1;

    /** For JSON deserialisation. */
    public GroupedConvolutionLayer() {
        super();
    }

    /**
     * @param builder a configured DL4J convolution builder (its {@code build()} is not called): square kernel,
     *                equal strides and paddings, {@code Truncate} mode, identity activation, NHWC
     * @param groups  G, dividing nIn and nOut
     */
    public GroupedConvolutionLayer(org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder builder, int groups) {
        super(builder);
        this.groups = groups;
        check();
    }

    private void check() {
        int[] k = getKernelSize();
        int[] s = getStride();
        int[] p = getPadding();
        int[] d = getDilation();
        String what = "grouped conv " + getLayerName() + ": ";
        if (groups < 1 || getNIn() % groups != 0 || getNOut() % groups != 0) {
            throw new IllegalArgumentException(what + "channels " + getNIn() + " -> " + getNOut()
                    + " not divisible by groups " + groups);
        }
        if (k[0] != k[1] || s[0] != s[1] || p[0] != p[1] || d[0] != 1 || d[1] != 1) {
            throw new IllegalArgumentException(what + "needs a square kernel, equal strides and paddings and no "
                    + "dilation, got kernel " + k[0] + "x" + k[1] + ", stride " + s[0] + "x" + s[1] + ", padding "
                    + p[0] + "x" + p[1] + ", dilation " + d[0] + "x" + d[1]);
        }
        if (getConvolutionMode() != ConvolutionMode.Truncate || getCnn2dDataFormat() != CNN2DFormat.NHWC) {
            throw new IllegalArgumentException(what + "needs ConvolutionMode.Truncate and NHWC, got "
                    + getConvolutionMode() + " and " + getCnn2dDataFormat());
        }
        if (getActivationFn() != null && !(getActivationFn() instanceof ActivationIdentity)) {
            throw new IllegalArgumentException(what + "supports the identity activation only, got "
                    + getActivationFn());
        }
    }

    /** @return G */
    public int getGroups() {
        return groups;
    }

    /** @param groups G (JSON) */
    public void setGroups(int groups) {
        this.groups = groups;
    }

    @Override
    public ParamInitializer initializer() {
        return Params.INSTANCE;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("GroupedConvolutionLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        Impl ret = new Impl(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && o instanceof GroupedConvolutionLayer g && g.groups == groups;
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + groups;
    }

    /** Parameters {@code b} ({@code [1, out]}, first) and {@code W} ({@code [out, in/G, k, k]}), as DL4J lays out a convolution's. */
    static final class Params extends ConvolutionParamInitializer {
        static final Params INSTANCE = new Params();

        @Override
        public long numParams(org.deeplearning4j.nn.conf.layers.Layer l) {
            GroupedConvolutionLayer c = (GroupedConvolutionLayer) l;
            int[] k = c.getKernelSize();
            return c.getNIn() / c.getGroups() * c.getNOut() * k[0] * k[1] + (c.hasBias() ? c.getNOut() : 0);
        }

        @Override
        public long numParams(NeuralNetConfiguration conf) {
            return numParams(conf.getLayer());
        }

        static long[] weightShape(GroupedConvolutionLayer c) {
            int[] k = c.getKernelSize();
            return new long[] {c.getNOut(), c.getNIn() / c.getGroups(), k[0], k[1]};
        }

        @Override
        protected INDArray createWeightMatrix(NeuralNetConfiguration conf, INDArray weightView, boolean initialize) {
            GroupedConvolutionLayer c = (GroupedConvolutionLayer) conf.getLayer();
            long[] shape = weightShape(c);
            if (initialize) {
                int[] k = c.getKernelSize();
                int[] s = c.getStride();
                // PyTorch's fan-in of a grouped conv: in/G * k * k
                double fanIn = (double) shape[1] * k[0] * k[1];
                double fanOut = (double) c.getNOut() * k[0] * k[1] / ((double) s[0] * s[1]);
                return c.getWeightInitFn().init(fanIn, fanOut, shape, 'c', weightView);
            }
            return weightView.reshape('c', shape);
        }

        @Override
        public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
            GroupedConvolutionLayer c = (GroupedConvolutionLayer) conf.getLayer();
            Map<String, INDArray> out = new LinkedHashMap<>();
            long nOut = c.getNOut();
            long end = numParams(c);
            INDArray flat = gradientView.reshape(gradientView.length()); // [n] in a graph, [1, n] for a lone layer
            if (c.hasBias()) {
                out.put(BIAS_KEY, flat.get(NDArrayIndex.interval(0, nOut)).reshape(1, nOut));
                out.put(WEIGHT_KEY, flat.get(NDArrayIndex.interval(nOut, end)).reshape('c', weightShape(c)));
            } else {
                out.put(WEIGHT_KEY, flat.reshape('c', weightShape(c)));
            }
            return out;
        }
    }

    /** The layer implementation. */
    static final class Impl extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
        private static final long serialVersionUID = 1L;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
            helper = null; // DL4J's dense oneDNN helper cannot run grouped weights
        }

        private GroupedConvolutionLayer grouped() {
            return (GroupedConvolutionLayer) conf.getLayer();
        }

        private OneDnnGroupedConv.Key key(INDArray x) {
            GroupedConvolutionLayer c = grouped();
            if (x.rank() != 4 || x.size(3) != c.getNIn()) {
                throw new DL4JInvalidInputException("grouped conv " + c.getLayerName() + ": expected NHWC input with "
                        + c.getNIn() + " channels, got shape " + java.util.Arrays.toString(x.shape()));
            }
            OneDnnGroupedConv.Key k = new OneDnnGroupedConv.Key(x.size(0), x.size(1), x.size(2), c.getNIn(),
                    c.getNOut(), c.getGroups(), c.getKernelSize()[0], c.getStride()[0], c.getPadding()[0],
                    c.hasBias());
            if (k.ho() < 1 || k.wo() < 1) {
                throw new DL4JInvalidInputException("grouped conv " + c.getLayerName() + ": input " + x.size(1) + "x"
                        + x.size(2) + " is smaller than the kernel " + k.k() + " with padding " + k.pad());
            }
            return k;
        }

        private static boolean oneDnn(INDArray... arrays) {
            if ("dense".equalsIgnoreCase(System.getProperty(OneDnnGroupedConv.PROPERTY))) {
                return false;
            }
            if (!OneDnnPresence.usable()) {
                return false;
            }
            for (INDArray a : arrays) {
                if (a != null && a.dataType() != DataType.FLOAT) {
                    return false;
                }
            }
            return true;
        }

        @Override
        protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr mgr) {
            assertInputSet(forBackprop);
            INDArray x = input;
            OneDnnGroupedConv.Key k = key(x);
            INDArray w = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, mgr);
            INDArray b = hasBias() ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, mgr) : null;
            if (oneDnn(x, w, b)) {
                return new Pair<>(OneDnnGroupedConv.trainForward(k, x, w, b, mgr), null);
            }
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
                    new long[] {k.n(), k.ho(), k.wo(), k.cout()}, 'c');
            INDArray dense = dense(w, k);
            INDArray[] in = b == null ? new INDArray[] {x, dense} : new INDArray[] {x, dense, b.reshape(k.cout())};
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(in).addOutputs(out)
                    .addIntegerArguments(iArgs(k)).build());
            return new Pair<>(out, null);
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
            assertInputSet(false);
            applyDropOutIfNecessary(training, mgr);
            return preOutput(training, false, mgr).getFirst(); // identity activation (checked by the configuration)
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
            assertInputSet(true);
            INDArray x = input;
            OneDnnGroupedConv.Key k = key(x);
            INDArray w = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, mgr);
            INDArray dw = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
            INDArray db = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
            INDArray dx;
            if (oneDnn(x, w, epsilon)) {
                dx = OneDnnGroupedConv.trainBackward(k, x, w, epsilon, dw, db, mgr);
            } else {
                dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
                INDArray dense = dense(w, k);
                INDArray denseGrad = Nd4j.createUninitialized(dataType, dense.shape(), 'c');
                INDArray dbFlat = db == null ? null : Nd4j.createUninitialized(dataType, k.cout());
                INDArray[] in = db == null ? new INDArray[] {x, dense, epsilon}
                        : new INDArray[] {x, dense, getParam(ConvolutionParamInitializer.BIAS_KEY).reshape(k.cout()),
                                epsilon};
                INDArray[] outs = db == null ? new INDArray[] {dx, denseGrad} : new INDArray[] {dx, denseGrad, dbFlat};
                Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(in).addOutputs(outs)
                        .addIntegerArguments(iArgs(k)).build());
                dw.assign(TorchWeights.compactGrouped(denseGrad, k.groups()).castTo(dataType));
                if (db != null) {
                    db.assign(dbFlat.reshape(db.shape()));
                }
            }
            Gradient g = new DefaultGradient();
            if (db != null) {
                g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, db);
            }
            g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, dw);
            weightNoiseParams.clear();
            dx = backpropDropOutIfPresent(dx);
            return new Pair<>(g, dx);
        }

        /** libnd4j conv2d arguments: kernel, stride, padding, dilation, VALID, NHWC, weights [oC, iC, kH, kW]. */
        private static int[] iArgs(OneDnnGroupedConv.Key k) {
            return new int[] {k.k(), k.k(), k.stride(), k.stride(), k.pad(), k.pad(), 1, 1, 0, 1, 1};
        }

        private INDArray dense(INDArray w, OneDnnGroupedConv.Key k) {
            return TorchWeights.expandGrouped(w, new long[] {k.cout(), k.cin(), k.k(), k.k()}, k.groups())
                    .castTo(w.dataType());
        }
    }
}
