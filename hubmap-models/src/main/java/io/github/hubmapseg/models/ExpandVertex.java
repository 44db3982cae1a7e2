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
 * Repeats a pooled NHWC map {@code [N, 1, 1, C]} (first input) over the spatial size of a reference map
 * {@code [N, H, W, *]} (second input): output {@code [N, H, W, C]}. Equal to PyTorch's
 * {@code F.interpolate(pooled, size=(H, W), mode="bilinear")} of a 1x1 map (the image-pooling branch of ASPP).
 * Works at any run-time size. Gradient: the pooled input receives {@code dL/dy} summed over H and W; the
 * reference receives zero (only its shape is used).
 */
public class ExpandVertex extends ParameterFreeVertex {
    /** Creates the vertex configuration. */
    public ExpandVertex() {
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
        if (in.length != 2 || !(in[0] instanceof InputType.InputTypeConvolutional p)
                || !(in[1] instanceof InputType.InputTypeConvolutional r)) {
            throw new InvalidInputTypeException("ExpandVertex takes two convolutional inputs (pooled, reference),"
                    + " got " + java.util.Arrays.toString(in));
        }
        return InputType.convolutional(r.getHeight(), r.getWidth(), p.getChannels(), CNN2DFormat.NHWC);
    }

    /** The runtime vertex. */
    static final class Impl extends ParameterFreeVertex.Impl {
        Impl(ComputationGraph graph, String name, int idx, DataType dataType) {
            super(graph, name, idx, dataType);
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
    }
}
