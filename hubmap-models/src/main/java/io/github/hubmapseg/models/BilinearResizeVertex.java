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
    protected Impl create(ComputationGraph graph, String name, int idx, DataType dataType) {
        return new Impl(graph, name, idx, dataType);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        if (in.length != 2 || !(in[0] instanceof InputType.InputTypeConvolutional x)
                || !(in[1] instanceof InputType.InputTypeConvolutional r)) {
            throw new InvalidInputTypeException("BilinearResizeVertex takes two convolutional inputs (x, reference),"
                    + " got " + Arrays.toString(in));
        }
        return InputType.convolutional(r.getHeight(), r.getWidth(), x.getChannels(), CNN2DFormat.NHWC);
    }

    /** The runtime vertex. */
    static final class Impl extends ParameterFreeVertex.Impl {
        Impl(ComputationGraph graph, String name, int idx, DataType dataType) {
            super(graph, name, idx, dataType);
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            INDArray r = inputs[1];
            if (x.rank() != 4 || r.rank() != 4 || r.size(0) != x.size(0)) {
                throw new IllegalStateException("BilinearResizeVertex " + vertexName + " expects [N, H, W, C] and"
                        + " [N, H2, W2, *], got " + Arrays.toString(x.shape()) + " and " + Arrays.toString(r.shape()));
            }
            return BilinearUpsampleVertex.resize(x, r.size(1), r.size(2), workspaceMgr);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            INDArray dx = BilinearUpsampleVertex.resizeBackward(inputs[0], epsilon, workspaceMgr);
            INDArray dr = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, inputs[1].dataType(), inputs[1].shape(), 'c');
            return new Pair<>(null, new INDArray[] {dx, dr});
        }
    }
}
