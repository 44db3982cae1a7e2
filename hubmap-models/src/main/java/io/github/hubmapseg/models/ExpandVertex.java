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
 * Repeats a pooled NHWC map {@code [N, 1, 1, C]} (first input) over the spatial size of a reference map
 * {@code [N, H, W, *]} (second input): output {@code [N, H, W, C]}. Equal to PyTorch's
 * {@code F.interpolate(pooled, size=(H, W), mode="bilinear")} of a 1x1 map (the image-pooling branch of ASPP).
 * Works at any run-time size. Gradient: the pooled input receives {@code dL/dy} summed over H and W; the
 * reference receives zero (only its shape is used).
 */
public class ExpandVertex extends GraphVertex {
    /** Creates the vertex configuration. */
    public ExpandVertex() {
    }

    @Override
    public ExpandVertex clone() {
        return new ExpandVertex();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExpandVertex;
    }

    @Override
    public int hashCode() {
        return ExpandVertex.class.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new Impl(graph, name, idx, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        if (in.length != 2 || !(in[0] instanceof InputType.InputTypeConvolutional p)
                || !(in[1] instanceof InputType.InputTypeConvolutional r)) {
            throw new InvalidInputTypeException("ExpandVertex takes two convolutional inputs (pooled, reference),"
                    + " got " + java.util.Arrays.toString(in));
        }
        return InputType.convolutional(r.getHeight(), r.getWidth(), p.getChannels(), CNN2DFormat.NHWC);
    }

    @Override
    public MemoryReport getMemoryReport(InputType... in) {
        return new LayerMemoryReport.Builder(null, ExpandVertex.class, in[0], getOutputType(-1, in))
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
            INDArray p = inputs[0];
            INDArray r = inputs[1];
            if (p.rank() != 4 || p.size(1) != 1 || p.size(2) != 1 || r.rank() != 4 || r.size(0) != p.size(0)) {
                throw new IllegalStateException("ExpandVertex " + vertexName + " expects [N, 1, 1, C] and [N, H, W, *],"
                        + " got " + java.util.Arrays.toString(p.shape()) + " and " + java.util.Arrays.toString(r.shape()));
            }
            long[] shape = {p.size(0), r.size(1), r.size(2), p.size(3)};
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, p.dataType(), shape, 'c');
            Nd4j.exec(new BroadcastTo(p, shape, out));
            return out;
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            INDArray p = inputs[0];
            INDArray r = inputs[1];
            INDArray dp = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, p.dataType(), p.shape(), 'c');
            dp.assign(epsilon.sum(true, 1, 2));
            INDArray dr = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, r.dataType(), r.shape(), 'c');
            return new Pair<>(null, new INDArray[] {dp, dr});
        }

        @Override
        public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
            if (backpropGradientsViewArray != null) {
                throw new IllegalStateException("ExpandVertex has no parameters");
            }
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                int minibatchSize) {
            return new Pair<>(null, currentMaskState);
        }

        @Override
        public String toString() {
            return "ExpandVertex(" + vertexName + ")";
        }
    }
}
