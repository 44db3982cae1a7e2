package io.github.hubmapseg.models;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
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
    protected InputType outputType(InputType.InputTypeConvolutional... in) throws InvalidInputTypeException {
        if (in[0].getWidth() != in[1].getWidth() || in[0].getChannels() != in[1].getChannels()) {
            throw new InvalidInputTypeException("HeightConcatVertex takes two convolutional inputs of equal width and"
                    + " channels, got " + Arrays.toString(in));
        }
        return nhwc(in[0].getHeight() + in[1].getHeight(), in[0].getWidth(), in[0].getChannels());
    }

    /** @return rows {@code [from, to)} of an NHWC array */
    private static INDArray rows(INDArray a, long from, long to) {
        return a.get(new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all(),
                NDArrayIndex.all()});
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        INDArray a = in[0];
        INDArray b = in[1];
        long h1 = a.size(1);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, a.dataType(),
                new long[] {a.size(0), h1 + b.size(1), a.size(2), a.size(3)}, 'c');
        rows(out, 0, h1).assign(a);
        rows(out, h1, h1 + b.size(1)).assign(b);
        return out;
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        long h1 = in[0].size(1);
        return new INDArray[] {
            place(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), rows(epsilon, 0, h1), workspaceMgr),
            place(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), rows(epsilon, h1, epsilon.size(1)), workspaceMgr)};
    }
}
