package io.github.hubmapseg.models;

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
    protected int inputCount() {
        return 1;
    }

    @Override
    protected Impl create(ComputationGraph graph, String name, int idx, DataType dataType) {
        return new Impl(graph, name, idx, dataType);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        if (in.length != 1 || !(in[0] instanceof InputType.InputTypeConvolutional c)) {
            throw new InvalidInputTypeException("PixelShuffleVertex takes one convolutional input, got "
                    + java.util.Arrays.toString(in));
        }
        if (c.getChannels() % 4 != 0) {
            throw new InvalidInputTypeException("PixelShuffleVertex needs channels divisible by 4, got "
                    + c.getChannels());
        }
        return InputType.convolutional(2 * c.getHeight(), 2 * c.getWidth(), c.getChannels() / 4, CNN2DFormat.NHWC);
    }

    /** The runtime vertex. */
    static final class Impl extends ParameterFreeVertex.Impl {
        Impl(ComputationGraph graph, String name, int idx, DataType dataType) {
            super(graph, name, idx, dataType);
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            if (x.rank() != 4 || x.size(3) % 4 != 0) {
                throw new IllegalStateException("PixelShuffleVertex " + vertexName + " expects [N, H, W, 4C], got "
                        + java.util.Arrays.toString(x.shape()));
            }
            long n = x.size(0);
            long h = x.size(1);
            long w = x.size(2);
            long c = x.size(3) / 4;
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(),
                    new long[] {n, h, 2, w, 2, c}, 'c');
            out.assign(x.reshape('c', n, h, w, c, 2, 2).permute(0, 1, 4, 2, 5, 3));
            return out.reshape('c', n, 2 * h, 2 * w, c);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            long n = x.size(0);
            long h = x.size(1);
            long w = x.size(2);
            long c = x.size(3) / 4;
            INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(),
                    new long[] {n, h, w, c, 2, 2}, 'c');
            dx.assign(epsilon.reshape('c', n, h, 2, w, 2, c).permute(0, 1, 3, 5, 2, 4));
            return new Pair<>(null, new INDArray[] {dx.reshape('c', n, h, w, 4 * c)});
        }
    }
}
