package io.github.hubmapseg.models;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PyTorch's {@code F.interpolate(x, size=reference.shape[2:], mode="bilinear", align_corners=True)} on NHWC
 * activations: the first input resized to the height and width of the second (any sizes, up or down), as smp's PAN
 * resizes in its FPA and GAU blocks. The interpolation is {@link BilinearUpsampleVertex}'s (two matrix products);
 * the gradient goes to the first input, the reference receives zero (only its shape is used).
 */
public class BilinearResizeVertex extends ParameterFreeVertex {
    /** Creates the vertex configuration. */
    public BilinearResizeVertex() {
    }

    @Override
    protected int inputCount() {
        return 2;
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional... in) {
        return nhwc(in[1].getHeight(), in[1].getWidth(), in[0].getChannels());
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0];
        INDArray r = in[1];
        if (x.rank() != 4 || r.rank() != 4 || r.size(0) != x.size(0)) {
            throw unexpected(name, "[N, H, W, C] and [N, H2, W2, *]", x, r);
        }
        return BilinearUpsampleVertex.resize(x, r.size(1), r.size(2), workspaceMgr);
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray dx = BilinearUpsampleVertex.resizeBackward(in[0], epsilon, workspaceMgr);
        INDArray dr = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, in[1].dataType(), in[1].shape(), 'c');
        return new INDArray[] {dx, dr};
    }
}
