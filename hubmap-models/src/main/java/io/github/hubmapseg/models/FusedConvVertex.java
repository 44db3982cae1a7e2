package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Inference only: a convolution with the batch normalisation that follows it folded into its weight and bias, an
 * optional residual added and an optional ReLU, as one oneDNN 2.5 convolution with post-ops
 * ({@link OneDnnGroupedConv#inference}). Built by {@link InferenceGraphs#fold} in a graph derived from a model's
 * graph; it has no parameters of its own but reads the convolution's and the batch norm's parameters from the
 * model's graph on every call ({@link Impl#bind}), so training, {@code setParams} and checkpoint loads are
 * always seen (the fold costs one pass over the weights per call).
 *
 * <p>With {@code s = gamma / sqrt(var + eps)}: {@code W' = W * s} (per output channel) and
 * {@code b' = beta + (b - mean) * s}; the output is {@code relu(conv(x, W') + b' + residual)}, equal to
 * conv, batch norm (inference), add and ReLU computed one after the other up to float rounding. Inputs: the
 * convolution's input, then the residual when there is one.
 */
public class FusedConvVertex extends ParameterFreeVertex {
    private String conv;
    private String bn;
    private boolean residual;
    private boolean relu;
    private long nOut;
    private int kernel;
    private int stride;
    private int pad;

    /** For JSON and {@link #clone()}; never serialised with a model. */
    public FusedConvVertex() {
    }

    FusedConvVertex(String conv, String bn, boolean residual, boolean relu, long nOut, int kernel, int stride,
            int pad) {
        this.conv = conv;
        this.bn = bn;
        this.residual = residual;
        this.relu = relu;
        this.nOut = nOut;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
    }

    /** @return the name of the folded convolution layer in the model's graph */
    public String getConv() {
        return conv;
    }

    /** @return the name of the folded batch-norm layer, or null */
    public String getBn() {
        return bn;
    }

    /** @return whether a residual (the second input) is added */
    public boolean isResidual() {
        return residual;
    }

    /** @return whether a ReLU follows */
    public boolean isRelu() {
        return relu;
    }

    @Override
    protected int inputCount() {
        return residual ? 2 : 1;
    }

    @Override
    public GraphVertex clone() {
        return new FusedConvVertex(conv, bn, residual, relu, nOut, kernel, stride, pad);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedConvVertex f && Objects.equals(f.conv, conv) && Objects.equals(f.bn, bn)
                && f.residual == residual && f.relu == relu && f.nOut == nOut && f.kernel == kernel
                && f.stride == stride && f.pad == pad;
    }

    @Override
    public int hashCode() {
        return Objects.hash(conv, bn, residual, relu, nOut, kernel, stride, pad);
    }

    @Override
    protected ParameterFreeVertex.Impl create(ComputationGraph graph, String name, int idx, DataType dataType) {
        return new Impl(graph, name, idx, dataType, this);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        if (in.length < 1 || !(in[0] instanceof InputType.InputTypeConvolutional c)) {
            throw new InvalidInputTypeException("FusedConvVertex takes a convolutional input, got "
                    + Arrays.toString(in));
        }
        return InputType.convolutional((c.getHeight() + 2L * pad - kernel) / stride + 1,
                (c.getWidth() + 2L * pad - kernel) / stride + 1, nOut, CNN2DFormat.NHWC);
    }

    /** The runtime vertex. */
    static final class Impl extends ParameterFreeVertex.Impl {
        private final FusedConvVertex conf;
        private Layer convLayer;
        private Layer bnLayer;
        private int groups;
        private double eps;
        /** Private copies of the source parameters the prepared weights were made from (see {@link #refresh}). */
        private INDArray[] snapshot;
        private INDArray scale;
        private INDArray foldedBias;
        private final Map<OneDnnGroupedConv.InferenceKey, OneDnnGroupedConv.PreparedWeights> prepared =
                new HashMap<>();

        Impl(ComputationGraph graph, String name, int idx, DataType dataType, FusedConvVertex conf) {
            super(graph, name, idx, dataType);
            this.conf = conf;
        }

        /**
         * @param source the model's graph whose layers {@code conf.conv} and {@code conf.bn} hold the parameters
         */
        void bind(ComputationGraph source) {
            convLayer = source.getLayer(conf.conv);
            bnLayer = conf.bn == null ? null : source.getLayer(conf.bn);
            groups = convLayer.conf().getLayer() instanceof GroupedConvolutionLayer g ? g.getGroups() : 1;
            if (bnLayer != null) {
                eps = ((org.deeplearning4j.nn.conf.layers.BatchNormalization) bnLayer.conf().getLayer()).getEps();
            }
        }

        /** @return the current source parameters: W, then b, gamma, beta, mean, var where present */
        private INDArray[] sources() {
            List<INDArray> out = new ArrayList<>();
            out.add(convLayer.getParam(ConvolutionParamInitializer.WEIGHT_KEY));
            if (convLayer.paramTable().containsKey(ConvolutionParamInitializer.BIAS_KEY)) {
                out.add(convLayer.getParam(ConvolutionParamInitializer.BIAS_KEY));
            }
            if (bnLayer != null) {
                for (String key : List.of(BatchNormalizationParamInitializer.GAMMA,
                        BatchNormalizationParamInitializer.BETA, BatchNormalizationParamInitializer.GLOBAL_MEAN,
                        BatchNormalizationParamInitializer.GLOBAL_VAR)) {
                    out.add(bnLayer.getParam(key));
                }
            }
            return out.toArray(new INDArray[0]);
        }

        /**
         * Refreshes the folded bias and drops the prepared weights when a source parameter changed since the last
         * call (training, {@code setParams}, a weight import): compared bit for bit with a private copy.
         */
        private void refresh(INDArray[] src) {
            boolean same = snapshot != null && snapshot.length == src.length;
            for (int i = 0; same && i < src.length; i++) {
                same = OneDnnGroupedConv.sameBits(src[i], snapshot[i]);
            }
            if (same) {
                return;
            }
            closeWeights();
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                INDArray[] copy = new INDArray[src.length];
                for (int i = 0; i < src.length; i++) {
                    copy[i] = src[i].dup('c');
                }
                snapshot = copy;
                long cout = src[0].size(0);
                INDArray b = convLayer.paramTable().containsKey(ConvolutionParamInitializer.BIAS_KEY)
                        ? copy[1].reshape(cout) : null;
                foldedBias = Nd4j.zeros(DataType.FLOAT, cout);
                if (b != null) {
                    foldedBias.assign(b);
                }
                if (bnLayer != null) {
                    int o = copy.length - 4;
                    INDArray mean = copy[o + 2].reshape(cout);
                    scale = copy[o + 3].reshape(cout).add(eps);              // var + eps
                    Transforms.sqrt(scale, false);
                    scale.rdivi(copy[o].reshape(cout));                     // gamma / sqrt(var + eps)
                    foldedBias.subi(mean).muli(scale).addi(copy[o + 1].reshape(cout)); // beta + (b - mean) * s
                } else {
                    scale = null;
                }
            }
        }

        /** @return the convolution weight with the batch-norm scale folded in, outside workspaces */
        private INDArray foldedWeights() {
            INDArray w = snapshot[0];
            if (scale == null) {
                return w;
            }
            long cout = w.size(0);
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                INDArray wf = w.dup('c');
                wf.reshape('c', cout, w.length() / cout).muliColumnVector(scale.reshape(cout, 1));
                return wf;
            }
        }

        private void closeWeights() {
            prepared.values().forEach(OneDnnGroupedConv.PreparedWeights::close);
            prepared.clear();
        }

        /** Frees the prepared weights (the derived graph is closed). */
        synchronized void release() {
            closeWeights();
            snapshot = null;
        }

        @Override
        public synchronized INDArray doForward(boolean training, LayerWorkspaceMgr mgr) {
            if (convLayer == null) {
                throw new IllegalStateException("fused conv " + vertexName + " is not bound to a model graph");
            }
            INDArray x = inputs[0];
            INDArray[] src = sources();
            long cout = src[0].size(0);
            long cin = src[0].size(1) * groups;
            if (x.rank() != 4 || x.size(3) != cin) {
                throw new IllegalStateException("fused conv " + vertexName + ": expected NHWC input with " + cin
                        + " channels, got shape " + Arrays.toString(x.shape()));
            }
            if (!OneDnnGroupedConv.plain(x)) {
                x = mgr.dup(ArrayType.FF_WORKING_MEM, x, 'c');
            }
            refresh(src);
            OneDnnGroupedConv.Key k = new OneDnnGroupedConv.Key(x.size(0), x.size(1), x.size(2), cin, cout, groups,
                    conf.kernel, conf.stride, conf.pad, true);
            OneDnnGroupedConv.InferenceKey ik = new OneDnnGroupedConv.InferenceKey(k, conf.residual, conf.relu);
            OneDnnGroupedConv.PreparedWeights w = prepared.get(ik);
            if (w == null) {
                w = OneDnnGroupedConv.prepare(ik, foldedWeights());
                prepared.put(ik, w);
            }
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                    new long[] {k.n(), k.ho(), k.wo(), cout}, 'c');
            if (conf.residual) {
                INDArray r = inputs[1];
                if (!Arrays.equals(r.shape(), out.shape())) {
                    throw new IllegalStateException("fused conv " + vertexName + ": residual shape "
                            + Arrays.toString(r.shape()) + " differs from the output " + Arrays.toString(out.shape()));
                }
                out.assign(r);
            }
            OneDnnGroupedConv.inference(ik, x, w, foldedBias, out);
            return out;
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            throw new UnsupportedOperationException("fused conv " + vertexName + " is for inference only");
        }
    }
}
