package io.github.hubmapseg.models;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The common part of this module's DL4J graph vertices without parameters ({@link GlobalAvgPoolVertex},
 * {@link PixelShuffleVertex}, {@link ExpandVertex}): a configuration that is equal to any other of its class,
 * has no parameters, a fixed number of inputs and no memory of its own, and a runtime base ({@link Impl})
 * without a layer, gradients or masks. A subclass has a public no-argument constructor (JSON and
 * {@link #clone()} use it), declares {@link #inputCount()} and {@link #getOutputType}, and creates its runtime
 * vertex in {@link #create}.
 */
public abstract class ParameterFreeVertex extends GraphVertex {
    /** @return the number of inputs the vertex takes */
    protected abstract int inputCount();

    /**
     * @param graph the graph
     * @param name the vertex name
     * @param index the vertex index
     * @param dataType the network data type
     * @return the runtime vertex
     */
    protected abstract Impl create(ComputationGraph graph, String name, int index, DataType dataType);

    @Override
    public GraphVertex clone() {
        try {
            return getClass().getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(getClass().getName() + " needs a public no-argument constructor", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return inputCount();
    }

    @Override
    public int maxVertexInputs() {
        return inputCount();
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return create(graph, name, idx, networkDatatype);
    }

    @Override
    public MemoryReport getMemoryReport(InputType... in) {
        return new LayerMemoryReport.Builder(null, getClass(), in[0], getOutputType(-1, in))
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    /** The runtime base: no layer, no parameters, masks passed through. */
    abstract static class Impl extends BaseGraphVertex {
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
        public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
            if (backpropGradientsViewArray != null) {
                throw new IllegalStateException(vertexName + " has no parameters");
            }
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                int minibatchSize) {
            return new Pair<>(null, currentMaskState);
        }

        @Override
        public String toString() {
            return getClass().getEnclosingClass().getSimpleName() + "(" + vertexName + ")";
        }
    }
}
