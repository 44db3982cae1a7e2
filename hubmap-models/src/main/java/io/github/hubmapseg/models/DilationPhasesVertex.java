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

/**
 * The two halves of a dilated convolution done as an undilated one ("space to batch"): {@code split} cuts NHWC
 * activations {@code [N, H, W, C]} into the {@code r x r} phases {@code x[n, u r + i, v r + j, c]} stacked along the
 * batch, {@code [r r N, H / r, W / r, C]} (batch index {@code (i r + j) N + n}); {@code merge} is the inverse. A
 * stride-1 convolution with dilation {@code r} and padding {@code (k / 2) r} equals split, the same convolution
 * undilated with padding {@code k / 2}, merge (each output pixel only sees pixels of its own phase, and the zero
 * padding falls outside the image in both). {@link Blocks#depthwiseConv} uses it for smp's dilated depthwise
 * convolutions ({@code make_dilated} on EfficientNets), because ND4J's oneDNN depthwise convolution refuses dilation
 * ("could not create a descriptor for a dilated convolution"). Batch norm is not placed between the halves. Height and
 * width must be multiples of {@code r}. A permutation: the backward pass is the inverse permutation.
 */
public class DilationPhasesVertex extends ParameterFreeVertex {
    private int rate = 2;
    private boolean merge;

    /** For JSON; rate 2, split. */
    public DilationPhasesVertex() {
    }

    /**
     * @param rate the dilation rate r (&gt;= 2)
     * @param merge false to split, true to merge
     */
    public DilationPhasesVertex(int rate, boolean merge) {
        if (rate < 2) {
            throw new IllegalArgumentException("dilation phases need a rate >= 2, got " + rate);
        }
        this.rate = rate;
        this.merge = merge;
    }

    @Override
    protected int inputCount() {
        return 1;
    }

    @Override
    protected Impl create(ComputationGraph graph, String name, int idx, DataType dataType) {
        return new Impl(graph, name, idx, dataType, rate, merge);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        if (in.length != 1 || !(in[0] instanceof InputType.InputTypeConvolutional c)) {
            throw new InvalidInputTypeException("DilationPhasesVertex takes one convolutional input, got "
                    + Arrays.toString(in));
        }
        if (merge) {
            return InputType.convolutional(c.getHeight() * rate, c.getWidth() * rate, c.getChannels(),
                    CNN2DFormat.NHWC);
        }
        return InputType.convolutional(c.getHeight() / rate, c.getWidth() / rate, c.getChannels(), CNN2DFormat.NHWC);
    }

    /** @return {@code x [N, H, W, C]} as its phases {@code [r r N, H / r, W / r, C]} */
    static INDArray split(INDArray x, int r) {
        long n = x.size(0);
        long h = x.size(1) / r;
        long w = x.size(2) / r;
        long c = x.size(3);
        return x.dup('c').reshape('c', n, h, r, w, r, c).permute(2, 4, 0, 1, 3, 5).dup('c')
                .reshape('c', r * r * n, h, w, c);
    }

    /** @return the inverse of {@link #split} */
    static INDArray merge(INDArray y, int r) {
        long n = y.size(0) / (r * r);
        long h = y.size(1);
        long w = y.size(2);
        long c = y.size(3);
        return y.dup('c').reshape('c', r, r, n, h, w, c).permute(2, 3, 0, 4, 1, 5).dup('c')
                .reshape('c', n, h * r, w * r, c);
    }

    /** The runtime vertex. */
    static final class Impl extends ParameterFreeVertex.Impl {
        private final int rate;
        private final boolean merge;

        Impl(ComputationGraph graph, String name, int idx, DataType dataType, int rate, boolean merge) {
            super(graph, name, idx, dataType);
            this.rate = rate;
            this.merge = merge;
        }

        private INDArray apply(INDArray x, boolean doMerge, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
            if (x.rank() != 4 || (doMerge ? x.size(0) % ((long) rate * rate) != 0
                    : x.size(1) % rate != 0 || x.size(2) % rate != 0)) {
                throw new IllegalStateException("DilationPhasesVertex " + vertexName + " (rate " + rate + ", "
                        + (doMerge ? "merge" : "split") + ") expects [N, H, W, C] with " + (doMerge ? "N" : "H and W")
                        + " divisible by " + (doMerge ? rate * rate : rate) + ", got " + Arrays.toString(x.shape())
                        + "; input sizes must be multiples of the output stride");
            }
            INDArray y = doMerge ? DilationPhasesVertex.merge(x, rate) : split(x, rate);
            INDArray out = workspaceMgr.createUninitialized(type, x.dataType(), y.shape(), 'c');
            return out.assign(y);
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            return apply(inputs[0], merge, ArrayType.ACTIVATIONS, workspaceMgr);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            return new Pair<>(null, new INDArray[] {apply(epsilon, !merge, ArrayType.ACTIVATION_GRAD, workspaceMgr)});
        }
    }
}
