package io.github.hubmapseg.models;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The normalisation of PyTorch's {@code nn.GroupNorm(groups, C, eps)} without its affine part, on NHWC activations:
 * the channels are split into {@code groups} consecutive groups and each (sample, group) is standardised over its
 * {@code H x W x C/groups} values with the biased variance, {@code y = (x - mean) / sqrt(var + eps)}. The per-channel
 * weight and bias follow as a 1x1 depthwise convolution ({@link Blocks#groupNorm}). Backward pass: the standard
 * normalisation gradient {@code dx = (dy - mean(dy) - y * mean(dy * y)) / sqrt(var + eps)} over the same group.
 * Any spatial size works at run time. DL4J 1.0.0-M2.1 has no GroupNorm layer (docs/dl4j-notes.md).
 */
public class GroupNormVertex extends ParameterFreeVertex {
    private int groups = 32;
    private double eps = 1e-5;

    /** For JSON; {@code groups} 32 and {@code eps} 1e-5 (PyTorch's defaults). */
    public GroupNormVertex() {
    }

    /**
     * @param groups number of groups (smp's FPN: 32)
     * @param eps the variance epsilon (PyTorch's default 1e-5)
     */
    public GroupNormVertex(int groups, double eps) {
        if (groups < 1 || !(eps > 0)) {
            throw new IllegalArgumentException("GroupNorm needs groups >= 1 and eps > 0, got " + groups + ", " + eps);
        }
        this.groups = groups;
        this.eps = eps;
    }

    @Override
    protected int inputCount() {
        return 1;
    }

    @Override
    protected Impl create(ComputationGraph graph, String name, int idx, DataType dataType) {
        return new Impl(graph, name, idx, dataType, groups, eps);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        if (in.length != 1 || !(in[0] instanceof InputType.InputTypeConvolutional c)) {
            throw new InvalidInputTypeException("GroupNormVertex takes one convolutional input, got "
                    + Arrays.toString(in));
        }
        if (c.getChannels() % groups != 0) {
            throw new InvalidInputTypeException("GroupNorm(" + groups + "): channels " + c.getChannels()
                    + " are not divisible by the groups");
        }
        return InputType.convolutional(c.getHeight(), c.getWidth(), c.getChannels(), CNN2DFormat.NHWC);
    }

    /** The runtime vertex. */
    static final class Impl extends ParameterFreeVertex.Impl {
        private final int groups;
        private final double eps;

        Impl(ComputationGraph graph, String name, int idx, DataType dataType, int groups, double eps) {
            super(graph, name, idx, dataType);
            this.groups = groups;
            this.eps = eps;
        }

        /** @return {standardised x, 1 / sqrt(var + eps)} as [N, HW, G, C/G] and [N, 1, G, 1] */
        private INDArray[] standardise(INDArray x) {
            if (x.rank() != 4 || x.size(3) % groups != 0) {
                throw new IllegalStateException("GroupNormVertex " + vertexName + " expects [N, H, W, C] with C"
                        + " divisible by " + groups + ", got " + Arrays.toString(x.shape()));
            }
            long n = x.size(0);
            INDArray xr = x.dup('c').reshape('c', n, x.size(1) * x.size(2), groups, x.size(3) / groups);
            INDArray xc = xr.sub(xr.mean(true, 1, 3));
            INDArray inv = Transforms.pow(xc.mul(xc).mean(true, 1, 3).addi(eps), -0.5, false);
            return new INDArray[] {xc.muli(inv), inv};
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            INDArray y = standardise(x)[0];
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
            out.assign(y.reshape('c', x.shape()));
            return out;
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            INDArray[] s = standardise(x);
            INDArray y = s[0];
            INDArray dy = epsilon.dup('c').reshape('c', y.shape());
            INDArray dx = dy.sub(dy.mean(true, 1, 3)).subi(y.mul(dy.mul(y).mean(true, 1, 3))).muli(s[1]);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c');
            out.assign(dx.reshape('c', x.shape()));
            return new Pair<>(null, new INDArray[] {out});
        }
    }
}
