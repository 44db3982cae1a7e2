package io.github.hubmapseg.models;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inference graphs: a graph derived from a model's graph in which every convolution, the batch norm that follows
 * it, a residual addition and a ReLU after them run as one oneDNN convolution ({@link FusedConvVertex}). The
 * model's graph, its configuration and its checkpoints are untouched: the derived graph reads the parameters of
 * the model's layers on every call ({@link Folded#output}). Used by {@link SegmentationModel#outputs} unless
 * {@code -Dhubmap.fold=false}.
 *
 * <p>Fused: a convolution ({@link NhwcConvolutionLayer}, {@link GroupedConvolutionLayer} or DL4J's plain
 * {@code ConvolutionLayer}; NHWC, {@code Truncate}, square kernel, equal strides and paddings, no dilation, no
 * weight noise, identity or ReLU activation), then, each only if it is the single consumer of the previous one and
 * neither it nor the previous one is a graph output: a {@code BatchNormalization} (NHWC, free gamma/beta,
 * variance stored), then either a ReLU {@code ActivationLayer} or an element-wise {@code Add} of two inputs
 * followed by a ReLU (the residual of a ResNet block). Everything else runs as in the model's graph.
 */
public final class InferenceGraphs {
    /** Set {@code -Dhubmap.fold=false} to run inference on the model's graph itself (comparisons). */
    public static final String PROPERTY = "hubmap.fold";

    private InferenceGraphs() {
    }

    /**
     * A derived inference graph bound to its model's graph.
     *
     * @param graph the derived graph
     * @param source the model's graph
     * @param copied names of the derived graph's layers with parameters of their own (copied before each call)
     * @param fused the number of fused convolutions
     */
    public record Folded(ComputationGraph graph, ComputationGraph source, List<String> copied, int fused)
            implements AutoCloseable {
        /**
         * Inference with the source graph's current parameters.
         *
         * @param input the input batch
         * @return the graph outputs
         */
        public INDArray[] output(INDArray input) {
            for (String name : copied) {
                graph.getLayer(name).params().assign(source.getLayer(name).params());
            }
            return graph.output(false, input);
        }

        @Override
        public void close() {
            for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : graph.getVertices()) {
                if (v instanceof FusedConvVertex.Impl f) {
                    f.release();
                }
            }
            graph.close();
        }
    }

    /**
     * @return whether folding is switched on ({@code hubmap.fold}) and oneDNN's convolution can run here
     */
    public static boolean enabled() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return false;
        }
        return OneDnnPresence.usable();
    }

    /**
     * Derives the inference graph of a model's graph.
     *
     * @param graph an initialised float graph
     * @return the derived graph, or null when nothing can be fused (or folding is off): use the graph itself
     */
    public static Folded fold(ComputationGraph graph) {
        if (!enabled() || graph.getConfiguration().getDataType() != DataType.FLOAT) {
            return null;
        }
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        // the model's own vertex configurations, not clones: some vertices' clone() drops run-time state (e.g.
        // MergeVertex's merge axis, set for NHWC when the graph was built); the derived graph never trains
        Map<String, GraphVertex> vertices = conf.getVertices();
        vertices.putAll(graph.getConfiguration().getVertices());
        Map<String, List<String>> inputs = conf.getVertexInputs();
        Set<String> outputs = Set.copyOf(conf.getNetworkOutputs());
        int fused = 0;
        for (String name : new ArrayList<>(vertices.keySet())) {
            ConvolutionLayer c = conv(vertices.get(name));
            if (c == null || inputs.get(name).size() != 1 || outputs.contains(name)) {
                continue;
            }
            Map<String, List<String>> consumers = consumers(inputs);
            boolean relu = c.getActivationFn() instanceof ActivationReLU;
            String last = name;
            String bn = null;
            String residual = null;
            List<String> chain = new ArrayList<>(List.of(name));
            if (!relu) {
                String next = single(consumers, last, outputs);
                if (next != null && isBatchNorm(vertices.get(next), c.getNOut())) {
                    bn = next;
                    last = next;
                    chain.add(next);
                    next = single(consumers, last, outputs);
                }
                if (next != null && isRelu(vertices.get(next))) {
                    relu = true;
                    last = next;
                    chain.add(next);
                } else if (next != null && vertices.get(next) instanceof ElementWiseVertex e
                        && e.getOp() == ElementWiseVertex.Op.Add && inputs.get(next).size() == 2
                        && !inputs.get(next).get(0).equals(inputs.get(next).get(1))) {
                    String after = single(consumers, next, outputs);
                    if (after != null && isRelu(vertices.get(after))) {
                        List<String> in = inputs.get(next);
                        residual = in.get(0).equals(last) ? in.get(1) : in.get(0);
                        relu = true;
                        chain.add(next);
                        chain.add(after);
                        last = after;
                    }
                }
            }
            String convInput = inputs.get(name).get(0);
            for (String v : chain) {
                vertices.remove(v);
                inputs.remove(v);
            }
            vertices.put(last, new FusedConvVertex(name, bn, residual != null, relu, c.getNOut(),
                    c.getKernelSize()[0], c.getStride()[0], c.getPadding()[0]));
            inputs.put(last, residual == null ? List.of(convInput) : List.of(convInput, residual));
            fused++;
        }
        if (fused == 0) {
            return null;
        }
        try {
            for (String f : List.of("topologicalOrder", "topologicalOrderStr")) {
                Field field = ComputationGraphConfiguration.class.getDeclaredField(f);
                field.setAccessible(true);
                field.set(conf, null);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // DL4J internals changed: run the model's graph
        }
        ComputationGraph derived = new ComputationGraph(conf);
        derived.init();
        SegmentationModel.bypassOneDnnForDilatedConvs(derived);
        List<String> copied = new ArrayList<>();
        for (Layer l : derived.getLayers()) {
            if (l.numParams() > 0) {
                copied.add(l.conf().getLayer().getLayerName());
            }
        }
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : derived.getVertices()) {
            if (v instanceof FusedConvVertex.Impl f) {
                f.bind(graph);
            }
        }
        return new Folded(derived, graph, List.copyOf(copied), fused);
    }

    private static Map<String, List<String>> consumers(Map<String, List<String>> inputs) {
        Map<String, List<String>> out = new HashMap<>();
        inputs.forEach((v, ins) -> ins.forEach(i -> out.computeIfAbsent(i, k -> new ArrayList<>()).add(v)));
        return out;
    }

    /**
     * @return the one consumer of {@code v}, or null when it has several or none, or when {@code v} or the consumer
     *     is a graph output (DL4J M2.1 fails with a NullPointerException in {@code outputOfLayersDetached} when a
     *     graph output that other vertices consume is not a layer: outputs stay the model's own layers)
     */
    private static String single(Map<String, List<String>> consumers, String v, Set<String> outputs) {
        List<String> c = consumers.get(v);
        return c == null || c.size() != 1 || outputs.contains(v) || outputs.contains(c.get(0)) ? null : c.get(0);
    }

    private static ConvolutionLayer conv(GraphVertex v) {
        if (!(v instanceof LayerVertex lv) || lv.getPreProcessor() != null) {
            return null;
        }
        org.deeplearning4j.nn.conf.layers.Layer l = lv.getLayerConf().getLayer();
        if (!(l instanceof ConvolutionLayer c) || !(l.getClass() == NhwcConvolutionLayer.class
                || l.getClass() == GroupedConvolutionLayer.class || l.getClass() == ConvolutionLayer.class)) {
            return null;
        }
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] p = c.getPadding();
        int[] d = c.getDilation();
        IActivation a = c.getActivationFn();
        boolean act = a == null || a instanceof ActivationIdentity || plainRelu(a);
        return k[0] == k[1] && s[0] == s[1] && p[0] == p[1] && d[0] == 1 && d[1] == 1 && act
                && c.getConvolutionMode() == ConvolutionMode.Truncate && c.getCnn2dDataFormat() == CNN2DFormat.NHWC
                && c.getWeightNoise() == null ? c : null;
    }

    private static boolean isBatchNorm(GraphVertex v, long channels) {
        if (!(v instanceof LayerVertex lv) || lv.getPreProcessor() != null
                || !(lv.getLayerConf().getLayer() instanceof BatchNormalization b)
                || b.getClass() != BatchNormalization.class) {
            return false;
        }
        // no activation check: DL4J M2.1's BatchNormalization layer never applies its configured activation (the
        // configuration reports the global default, sigmoid, for this module's batch norms)
        return b.getCnn2DFormat() == CNN2DFormat.NHWC && !b.isLockGammaBeta() && !b.isUseLogStd()
                && b.getNOut() == channels;
    }

    private static boolean isRelu(GraphVertex v) {
        return v instanceof LayerVertex lv && lv.getPreProcessor() == null
                && lv.getLayerConf().getLayer() instanceof ActivationLayer a && a.getClass() == ActivationLayer.class
                && plainRelu(a.getActivationFn());
    }

    /** @return whether {@code a} is {@code max(0, x)} (no cap, threshold or negative slope) */
    private static boolean plainRelu(IActivation a) {
        if (a == null || a.getClass() != ActivationReLU.class) {
            return false;
        }
        try {
            for (String f : List.of("max", "threshold", "negativeSlope")) {
                Field field = ActivationReLU.class.getDeclaredField(f);
                field.setAccessible(true);
                Double v = (Double) field.get(a);
                if (v != null && (v != 0.0 || "max".equals(f))) {
                    return false;
                }
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
