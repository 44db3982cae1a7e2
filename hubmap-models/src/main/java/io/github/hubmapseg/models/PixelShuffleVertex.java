package io.github.hubmapseg.models;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PyTorch's {@code nn.PixelShuffle(2)} on NHWC activations: {@code [N, H, W, 4C] -> [N, 2H, 2W, C]} with
 * {@code out[n, 2h + i, 2w + j, c] = in[n, h, w, c*4 + i*2 + j]} (PyTorch's channel order {@code c*r*r + i*r + j},
 * not TensorFlow's {@code depth_to_space} order {@code (i*r + j)*C + c}), so the convolution in front of it
 * imports from PyTorch unchanged. A pure permutation: the backward pass is the inverse permutation.
 * Any input size works at run time.
 */
public class PixelShuffleVertex extends ParameterFreeVertex {
    /** Creates the vertex configuration (upscale factor 2). */
    public PixelShuffleVertex() {
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional... in) throws InvalidInputTypeException {
        if (in[0].getChannels() % 4 != 0) {
            throw new InvalidInputTypeException("PixelShuffleVertex needs channels divisible by 4, got "
                    + in[0].getChannels());
        }
        return nhwc(2 * in[0].getHeight(), 2 * in[0].getWidth(), in[0].getChannels() / 4);
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0];
        if (x.rank() != 4 || x.size(3) % 4 != 0) {
            throw unexpected(name, "[N, H, W, 4C]", x);
        }
        long n = x.size(0);
        long h = x.size(1);
        long w = x.size(2);
        long c = x.size(3) / 4;
        INDArray out = place(ArrayType.ACTIVATIONS, x.dataType(),
                x.reshape('c', n, h, w, c, 2, 2).permute(0, 1, 4, 2, 5, 3), workspaceMgr); // [n, h, 2, w, 2, c]
        return out.reshape('c', n, 2 * h, 2 * w, c);
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0];
        long n = x.size(0);
        long h = x.size(1);
        long w = x.size(2);
        long c = x.size(3) / 4;
        INDArray dx = place(ArrayType.ACTIVATION_GRAD, x.dataType(),
                epsilon.reshape('c', n, h, 2, w, 2, c).permute(0, 1, 3, 5, 2, 4), workspaceMgr); // [n, h, w, c, 2, 2]
        return new INDArray[] {dx.reshape('c', n, h, w, 4 * c)};
    }
}
