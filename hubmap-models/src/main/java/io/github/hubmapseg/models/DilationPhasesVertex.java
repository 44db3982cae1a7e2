package io.github.hubmapseg.models;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
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
    protected InputType outputType(InputType.InputTypeConvolutional... in) {
        return merge ? nhwc(in[0].getHeight() * rate, in[0].getWidth() * rate, in[0].getChannels())
                : nhwc(in[0].getHeight() / rate, in[0].getWidth() / rate, in[0].getChannels());
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

    private INDArray apply(String name, INDArray x, boolean doMerge, ArrayType type,
            LayerWorkspaceMgr workspaceMgr) {
        if (x.rank() != 4 || (doMerge ? x.size(0) % ((long) rate * rate) != 0
                : x.size(1) % rate != 0 || x.size(2) % rate != 0)) {
            throw unexpected(name + " (rate " + rate + ", " + (doMerge ? "merge" : "split") + ")", "[N, H, W, C] with "
                    + (doMerge ? "N" : "H and W") + " divisible by " + (doMerge ? rate * rate : rate)
                    + " (input sizes must be multiples of the output stride)", x);
        }
        return place(type, x.dataType(), doMerge ? merge(x, rate) : split(x, rate), workspaceMgr);
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        return apply(name, in[0], merge, ArrayType.ACTIVATIONS, workspaceMgr);
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return new INDArray[] {apply(name, epsilon, !merge, ArrayType.ACTIVATION_GRAD, workspaceMgr)};
    }
}
