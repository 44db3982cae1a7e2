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
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Two NHWC maps of equal width and channels stacked along the height, {@code [N, H1, W, C] + [N, H2, W, C] ->
 * [N, H1 + H2, W, C]}: CBAM applies its shared MLP (1x1 convolutions) to the average- and max-pooled vectors stacked
 * this way. (DL4J's {@code MergeVertex} can concatenate along the height, but its configuration then reports the
 * channels summed, so the next layer gets the wrong input size.) Backward: the gradient split back.
 */
public class HeightConcatVertex extends ParameterFreeVertex {
    /** Creates the vertex configuration. */
    public HeightConcatVertex() {
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
        if (in.length != 2 || !(in[0] instanceof InputType.InputTypeConvolutional a)
                || !(in[1] instanceof InputType.InputTypeConvolutional b) || a.getWidth() != b.getWidth()
                || a.getChannels() != b.getChannels()) {
            throw new InvalidInputTypeException("HeightConcatVertex takes two convolutional inputs of equal width and"
                    + " channels, got " + Arrays.toString(in));
        }
        return InputType.convolutional(a.getHeight() + b.getHeight(), a.getWidth(), a.getChannels(), CNN2DFormat.NHWC);
    }

    /** The runtime vertex. */
    static final class Impl extends ParameterFreeVertex.Impl {
        Impl(ComputationGraph graph, String name, int idx, DataType dataType) {
            super(graph, name, idx, dataType);
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray a = inputs[0];
            INDArray b = inputs[1];
            long h1 = a.size(1);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, a.dataType(),
                    new long[] {a.size(0), h1 + b.size(1), a.size(2), a.size(3)}, 'c');
            out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, h1), NDArrayIndex.all(), NDArrayIndex.all()).assign(a);
            out.get(NDArrayIndex.all(), NDArrayIndex.interval(h1, h1 + b.size(1)), NDArrayIndex.all(),
                    NDArrayIndex.all()).assign(b);
            return out;
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            long h1 = inputs[0].size(1);
            long h = epsilon.size(1);
            INDArray da = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                    inputs[0].shape(), 'c');
            INDArray db = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                    inputs[1].shape(), 'c');
            da.assign(epsilon.get(NDArrayIndex.all(), NDArrayIndex.interval(0, h1), NDArrayIndex.all(),
                    NDArrayIndex.all()));
            db.assign(epsilon.get(NDArrayIndex.all(), NDArrayIndex.interval(h1, h), NDArrayIndex.all(),
                    NDArrayIndex.all()));
            return new Pair<>(null, new INDArray[] {da, db});
        }
    }
}
