package io.github.hubmapseg.models;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
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
    protected InputType outputType(InputType.InputTypeConvolutional... in) throws InvalidInputTypeException {
        if (in[0].getChannels() % groups != 0) {
            throw new InvalidInputTypeException("GroupNorm(" + groups + "): channels " + in[0].getChannels()
                    + " are not divisible by the groups");
        }
        return nhwc(in[0].getHeight(), in[0].getWidth(), in[0].getChannels());
    }

    /** @return {standardised x, 1 / sqrt(var + eps)} as [N, HW, G, C/G] and [N, 1, G, 1] */
    private INDArray[] standardise(String name, INDArray x) {
        if (x.rank() != 4 || x.size(3) % groups != 0) {
            throw unexpected(name, "[N, H, W, C] with C divisible by " + groups, x);
        }
        long n = x.size(0);
        INDArray xr = x.dup('c').reshape('c', n, x.size(1) * x.size(2), groups, x.size(3) / groups);
        INDArray xc = xr.sub(xr.mean(true, 1, 3));
        INDArray inv = Transforms.pow(xc.mul(xc).mean(true, 1, 3).addi(eps), -0.5, false);
        return new INDArray[] {xc.muli(inv), inv};
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0];
        INDArray y = standardise(name, x)[0];
        return place(ArrayType.ACTIVATIONS, x.dataType(), y.reshape('c', x.shape()), workspaceMgr);
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0];
        INDArray[] s = standardise(name, x);
        INDArray y = s[0];
        INDArray dy = epsilon.dup('c').reshape('c', y.shape());
        INDArray dx = dy.sub(dy.mean(true, 1, 3)).subi(y.mul(dy.mul(y).mean(true, 1, 3))).muli(s[1]);
        return new INDArray[] {place(ArrayType.ACTIVATION_GRAD, x.dataType(), dx.reshape('c', x.shape()),
                workspaceMgr)};
    }
}
