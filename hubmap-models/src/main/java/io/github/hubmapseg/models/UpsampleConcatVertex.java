package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
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
 * Inference only: nearest-neighbour upsampling of the first input by an integer scale, followed by the channels
 * of the other inputs (none: upsampling alone), written straight into one NHWC output by oneDNN
 * ({@link OneDnnGroupedConv#upsampleConcat}); replaces an {@code Upsampling2D} layer and the {@code MergeVertex}
 * that consumes it in {@link InferenceGraphs}' derived graphs. A copy: the values are bit for bit DL4J's.
 */
public class UpsampleConcatVertex extends ParameterFreeVertex {
    private int scale;
    private int inputs;

    /** For JSON and {@link #clone()}; never serialised with a model. */
    public UpsampleConcatVertex() {
    }

    UpsampleConcatVertex(int scale, int inputs) {
        this.scale = scale;
        this.inputs = inputs;
    }

    /** @return the scale */
    public int getScale() {
        return scale;
    }

    /** @return the number of inputs (1 + skips) */
    public int getInputs() {
        return inputs;
    }

    @Override
    protected int inputCount() {
        return inputs;
    }

    @Override
    public GraphVertex clone() {
        return new UpsampleConcatVertex(scale, inputs);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UpsampleConcatVertex u && u.scale == scale && u.inputs == inputs;
    }

    @Override
    public int hashCode() {
        return scale * 31 + inputs;
    }

    @Override
    protected ParameterFreeVertex.Impl create(ComputationGraph graph, String name, int idx, DataType dataType) {
        return new Impl(graph, name, idx, dataType, scale);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        long c = 0;
        for (InputType t : in) {
            if (!(t instanceof InputType.InputTypeConvolutional ct)) {
                throw new InvalidInputTypeException("UpsampleConcatVertex takes convolutional inputs, got "
                        + Arrays.toString(in));
            }
            c += ct.getChannels();
        }
        InputType.InputTypeConvolutional x = (InputType.InputTypeConvolutional) in[0];
        return InputType.convolutional(x.getHeight() * scale, x.getWidth() * scale, c, CNN2DFormat.NHWC);
    }

    /** The runtime vertex. */
    static final class Impl extends ParameterFreeVertex.Impl {
        private final int scale;

        Impl(ComputationGraph graph, String name, int idx, DataType dataType, int scale) {
            super(graph, name, idx, dataType);
            this.scale = scale;
        }

        private static INDArray plain(INDArray a, LayerWorkspaceMgr mgr) {
            return OneDnnGroupedConv.plain(a) ? a : mgr.dup(ArrayType.FF_WORKING_MEM, a.castTo(DataType.FLOAT), 'c');
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr mgr) {
            INDArray x = plain(inputs[0], mgr);
            long n = x.size(0);
            long oh = x.size(1) * scale;
            long ow = x.size(2) * scale;
            INDArray[] skips = new INDArray[inputs.length - 1];
            List<Long> channels = new ArrayList<>();
            for (int i = 0; i < skips.length; i++) {
                skips[i] = plain(inputs[i + 1], mgr);
                if (skips[i].rank() != 4 || skips[i].size(0) != n || skips[i].size(1) != oh || skips[i].size(2) != ow) {
                    throw new IllegalStateException("upsample+concat " + vertexName + ": input " + (i + 1) + " has shape "
                            + Arrays.toString(skips[i].shape()) + ", expected [" + n + ", " + oh + ", " + ow + ", C]");
                }
                channels.add(skips[i].size(3));
            }
            OneDnnGroupedConv.UpsampleKey k = new OneDnnGroupedConv.UpsampleKey(n, x.size(1), x.size(2), x.size(3),
                    scale, List.copyOf(channels));
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                    new long[] {n, oh, ow, k.channels()}, 'c');
            OneDnnGroupedConv.upsampleConcat(k, x, skips, out);
            return out;
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            throw new UnsupportedOperationException("upsample+concat " + vertexName + " is for inference only");
        }
    }
}
