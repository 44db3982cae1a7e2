package io.github.hubmapseg.models;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
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
public class GlobalAvgPoolVertex extends GraphVertex {
    /** Creates the vertex configuration. */
    public GlobalAvgPoolVertex() {
    }

    @Override
    public GlobalAvgPoolVertex clone() {
        return new GlobalAvgPoolVertex();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GlobalAvgPoolVertex;
    }

    @Override
    public int hashCode() {
        return GlobalAvgPoolVertex.class.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 1;
    }

    @Override
    public int maxVertexInputs() {
        return 1;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new Impl(graph, name, idx, networkDatatype);
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

    @Override
    public MemoryReport getMemoryReport(InputType... in) {
        return new LayerMemoryReport.Builder(null, GlobalAvgPoolVertex.class, in[0], getOutputType(-1, in))
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    /** The runtime vertex. */
    static final class Impl extends BaseGraphVertex {
        Impl(ComputationGraph graph, String name, int idx, DataType dataType) {
            super(graph, name, idx, null, null, dataType);
        }

        @Override
        public boolean hasLayer() {
            return false;
        }

        @Override
        public Layer getLayer() {
            return null;
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

        @Override
        public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
            if (backpropGradientsViewArray != null) {
                throw new IllegalStateException("GlobalAvgPoolVertex has no parameters");
            }
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                int minibatchSize) {
            return new Pair<>(null, currentMaskState);
        }

        @Override
        public String toString() {
            return "GlobalAvgPoolVertex(" + vertexName + ")";
        }
    }
}
