package io.github.hubmapseg.models;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
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
 * and {@link #clone()} use it) and plain (non-final) fields of immutable types, declares {@link #inputCount()} (when not one) and
 * {@link #outputType} (with {@link #nhwc}), and computes its output and
 * gradients in {@link #forward} and {@link #backward}, pure functions of the inputs and the settings (the runtime
 * vertex calls them); a vertex with run-time state of its own ({@link FusedConvVertex}) creates its runtime vertex
 * in {@link #create} instead.
 */
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE)
public abstract class ParameterFreeVertex extends GraphVertex {
    /** @return the number of inputs the vertex takes (by default one) */
    protected int inputCount() {
        return 1;
    }

    /**
     * @param graph the graph
     * @param name the vertex name
     * @param index the vertex index
     * @param dataType the network data type
     * @return the runtime vertex: by default one that calls {@link #forward} and {@link #backward}
     */
    protected Impl create(ComputationGraph graph, String name, int index, DataType dataType) {
        return new Computed(graph, name, index, dataType, this);
    }

    /**
     * The output of the runtime vertex (see {@link #create}).
     *
     * @param name the vertex name, for error messages
     * @param in the inputs, {@link #inputCount()} of them
     * @param workspaceMgr where the output goes ({@link ArrayType#ACTIVATIONS})
     * @return the output
     */
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        throw new IllegalStateException(getClass().getSimpleName() + " computes nothing: override forward and"
                + " backward, or create");
    }

    /**
     * The gradients of the runtime vertex (see {@link #create}).
     *
     * @param name the vertex name, for error messages
     * @param in the forward inputs
     * @param epsilon the gradient of the output
     * @param workspaceMgr where the gradients go ({@link ArrayType#ACTIVATION_GRAD})
     * @return the gradient of each input, in input order
     */
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        throw new IllegalStateException(getClass().getSimpleName() + " computes nothing: override forward and"
                + " backward, or create");
    }

    /**
     * Checks that there are exactly {@link #inputCount()} convolutional inputs and passes them to
     * {@link #outputType}.
     *
     * @param layerIndex unused
     * @param in the input types
     * @return the output type
     * @throws InvalidInputTypeException naming the types given when they are not that
     */
    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        int count = inputCount();
        InputType.InputTypeConvolutional[] c = new InputType.InputTypeConvolutional[count];
        for (int i = 0; i < in.length && i < count; i++) {
            c[i] = in[i] instanceof InputType.InputTypeConvolutional t ? t : null;
        }
        if (in.length != count || Arrays.asList(c).contains(null)) {
            throw new InvalidInputTypeException(getClass().getSimpleName() + " takes " + (count == 1
                    ? "one convolutional input" : count + " convolutional inputs") + ", got " + Arrays.toString(in));
        }
        return outputType(c);
    }

    /**
     * @param in the input types, {@link #inputCount()} of them, checked by {@link #getOutputType}
     * @return the output type
     * @throws InvalidInputTypeException when the inputs do not fit together or the settings
     */
    protected InputType outputType(InputType.InputTypeConvolutional... in) throws InvalidInputTypeException {
        throw new IllegalStateException(getClass().getSimpleName() + " declares no output type: override"
                + " outputType or getOutputType");
    }

    /** @return the NHWC convolutional type {@code h x w x c} */
    protected static InputType nhwc(long h, long w, long c) {
        return InputType.convolutional(h, w, c, CNN2DFormat.NHWC);
    }

    /**
     * @param type activations or their gradients
     * @param dataType the array's data type
     * @param value what it holds
     * @param workspaceMgr where it goes
     * @return a c-order array of {@code value}'s shape in the workspace, holding {@code value}
     */
    protected static INDArray place(ArrayType type, DataType dataType, INDArray value, LayerWorkspaceMgr workspaceMgr) {
        return workspaceMgr.createUninitialized(type, dataType, value.shape(), 'c').assign(value);
    }

    /**
     * @param name the vertex name
     * @param expected the shapes it expects, in words
     * @param got the arrays it got
     * @return the run-time error "Type name expects ..., got [..] and [..]"
     */
    protected final IllegalStateException unexpected(String name, String expected, INDArray... got) {
        StringBuilder b = new StringBuilder();
        for (INDArray a : got) {
            b.append(b.length() == 0 ? "" : " and ").append(Arrays.toString(a.shape()));
        }
        return new IllegalStateException(getClass().getSimpleName() + " " + name + " expects " + expected + ", got "
                + b);
    }

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

    /** The runtime vertex of {@link #forward} and {@link #backward}. */
    private static final class Computed extends Impl {
        private final ParameterFreeVertex conf;

        Computed(ComputationGraph graph, String name, int idx, DataType dataType, ParameterFreeVertex conf) {
            super(graph, name, idx, dataType);
            this.conf = conf;
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            return conf.forward(vertexName, inputs, workspaceMgr);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            return new Pair<>(null, conf.backward(vertexName, inputs, epsilon, workspaceMgr));
        }

        @Override
        public String toString() {
            return conf.getClass().getSimpleName() + "(" + vertexName + ")";
        }
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
