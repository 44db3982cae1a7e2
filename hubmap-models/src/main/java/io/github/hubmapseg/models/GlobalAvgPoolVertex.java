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
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastTo;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Global average pooling of NHWC activations keeping the spatial axes: {@code [N, H, W, C] -> [N, 1, 1, C]},
 * equal to {@code torch.nn.AdaptiveAvgPool2d(1)}. DL4J 1.0.0-M2.1's {@code GlobalPoolingLayer} assumes NCHW
 * when it keeps the pooled axes (it reshapes an NHWC mean to the wrong shape), hence this vertex. The
 * gradient spreads {@code dL/dy / (H W)} over the pooled window. Any input size works at run time.
 */
public class GlobalAvgPoolVertex extends ParameterFreeVertex {
    /** Creates the vertex configuration. */
    public GlobalAvgPoolVertex() {
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
        if (in.length != 1 || !(in[0] instanceof InputType.InputTypeConvolutional)) {
            throw new InvalidInputTypeException("GlobalAvgPoolVertex takes one convolutional input, got "
                    + java.util.Arrays.toString(in));
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) in[0];
        return InputType.convolutional(1, 1, c.getChannels(), CNN2DFormat.NHWC);
    }

    /** The runtime vertex. */
    static final class Impl extends ParameterFreeVertex.Impl {
        Impl(ComputationGraph graph, String name, int idx, DataType dataType) {
            super(graph, name, idx, dataType);
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            if (x.rank() != 4) {
                throw new IllegalStateException("GlobalAvgPoolVertex " + vertexName + " expects [N, H, W, C], got "
                        + java.util.Arrays.toString(x.shape()));
            }
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.size(0), 1, 1,
                    x.size(3));
            return out.assign(x.mean(true, 1, 2));
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c');
            INDArray scaled = epsilon.div(x.size(1) * x.size(2));
            Nd4j.exec(new BroadcastTo(scaled, x.shape(), dx)); // [N,1,1,C] repeated over H, W
            return new Pair<>(null, new INDArray[] {dx});
        }
    }
}
