package io.github.hubmapseg.models;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect.Visibility;

/**
 * The one home of the configuration boilerplate of this module's DL4J graph vertices without trainable parameters
 * ({@link GlobalAvgPoolVertex}, {@link PixelShuffleVertex}, {@link ExpandVertex}, {@link GroupNormVertex},
 * {@link BilinearUpsampleVertex}, {@link BilinearResizeVertex}, {@link ReduceVertex}, {@link HeightConcatVertex},
 * {@link PositionAttentionVertex}, {@link DilationPhasesVertex}): no parameters, a fixed number of inputs, no memory
 * of its own, and a runtime base ({@link Impl}) without a layer, gradients or masks. A vertex's settings are its
 * non-static fields: they are its JSON (field visibility, so no getters or setters), and {@link #clone()},
 * {@link #equals} and {@link #hashCode} compare and copy them. A subclass has a public no-argument constructor (JSON
 * and {@link #clone()} use it) and plain (non-final) fields of immutable types, declares {@link #inputCount()} and
 * {@link #getOutputType}, and creates its runtime vertex in {@link #create}.
 */
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE)
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

    /** @return the settings: every non-static field of the class and its superclasses up to this one */
    private List<Field> settings() {
        List<Field> out = new ArrayList<>();
        for (Class<?> c = getClass(); c != ParameterFreeVertex.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) && !f.isSynthetic()) {
                    f.setAccessible(true);
                    out.add(f);
                }
            }
        }
        return out;
    }

    private List<Object> values() {
        List<Object> out = new ArrayList<>();
        try {
            for (Field f : settings()) {
                out.add(f.get(this));
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(getClass().getName() + ": a setting cannot be read", e);
        }
        return out;
    }

    @Override
    public GraphVertex clone() {
        try {
            ParameterFreeVertex copy = getClass().getDeclaredConstructor().newInstance();
            for (Field f : settings()) {
                f.set(copy, f.get(this));
            }
            return copy;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(getClass().getName() + " needs a public no-argument constructor and"
                    + " non-final settings", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((ParameterFreeVertex) o).values().equals(values());
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), values());
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
