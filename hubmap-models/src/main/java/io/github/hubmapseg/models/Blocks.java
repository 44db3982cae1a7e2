package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.nd4j.linalg.activations.Activation;

/**
 * Building blocks for DL4J computation graphs that reproduce PyTorch modules exactly: every layer is
 * NHWC ({@link CNN2DFormat#NHWC}, the fast layout for oneDNN), convolutions use explicit symmetric
 * padding with {@link ConvolutionMode#Truncate} (never {@code Same}, which pads bottom/right only with
 * stride 2), batch norm stores the running variance (not its log) with PyTorch's eps 1e-5 and
 * momentum 0.1. Layer names are the PyTorch module names, so a state_dict maps by name
 * (see {@link TorchWeights}). Tracks the channel count of every vertex it adds.
 */
public final class Blocks {
    /** The data format of every layer. */
    public static final CNN2DFormat FORMAT = CNN2DFormat.NHWC;

    private final GraphBuilder graph;
    private final Map<String, Long> channels = new LinkedHashMap<>();
    private final Map<String, int[]> groupedConvs = new LinkedHashMap<>();
    private final List<String> batchNorms = new ArrayList<>();

    /**
     * @param graph the graph under construction
     * @param input name of the graph input
     * @param inChannels its channel count
     */
    public Blocks(GraphBuilder graph, String input, long inChannels) {
        this.graph = graph;
        channels.put(input, inChannels);
    }

    /** @return the DL4J graph builder */
    public GraphBuilder graph() {
        return graph;
    }

    /**
     * @param vertex a vertex name added through these blocks
     * @return its channel count
     */
    public long channels(String vertex) {
        Long c = channels.get(vertex);
        if (c == null) {
            throw new IllegalArgumentException("unknown vertex '" + vertex + "'");
        }
        return c;
    }

    /** @return grouped (masked dense) conv layer name to {groups, kernel} */
    public Map<String, int[]> groupedConvs() {
        return Collections.unmodifiableMap(groupedConvs);
    }

    /** @return names of the batch-norm layers */
    public List<String> batchNorms() {
        return Collections.unmodifiableList(batchNorms);
    }

    /**
     * A 2-D convolution equal to {@code torch.nn.Conv2d(in, out, k, stride, padding, groups=groups, bias)}.
     *
     * @param name layer name (the PyTorch module name)
     * @param in input vertex
     * @param out output channels
     * @param k square kernel size
     * @param stride stride
     * @param pad symmetric zero padding
     * @param groups groups (1 = dense; &gt; 1 = masked dense conv, see {@link GroupMaskConstraint})
     * @param bias whether it has a bias
     * @return the layer name
     */
    public String conv(String name, String in, long out, int k, int stride, int pad, int groups, boolean bias) {
        long nIn = channels(in);
        if (nIn % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("conv " + name + ": channels " + nIn + " -> " + out
                    + " not divisible by groups " + groups);
        }
        ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(k, k).stride(stride, stride).padding(pad, pad)
                .convolutionMode(ConvolutionMode.Truncate).nIn(nIn).nOut(out).hasBias(bias)
                .activation(Activation.IDENTITY).dataFormat(FORMAT);
        if (groups > 1) {
            b.constrainWeights(new GroupMaskConstraint(groups));
            groupedConvs.put(name, new int[] {groups, k});
        }
        graph.addLayer(name, new NhwcConvolutionLayer(b), in);
        channels.put(name, out);
        return name;
    }

    /**
     * {@code torch.nn.BatchNorm2d(c)} (eps 1e-5, momentum 0.1).
     *
     * @param name layer name
     * @param in input vertex
     * @return the layer name
     */
    public String bn(String name, String in) {
        graph.addLayer(name, new BatchNormalization.Builder().nIn(channels(in)).nOut(channels(in)).eps(1e-5)
                .decay(0.9).useLogStd(false).dataFormat(FORMAT).build(), in);
        channels.put(name, channels(in));
        batchNorms.add(name);
        return name;
    }

    /**
     * An activation layer.
     *
     * @param name layer name
     * @param in input vertex
     * @param a the activation
     * @return the layer name
     */
    public String act(String name, String in, Activation a) {
        graph.addLayer(name, new ActivationLayer.Builder().activation(a).build(), in);
        channels.put(name, channels(in));
        return name;
    }

    /**
     * ReLU.
     *
     * @param name layer name
     * @param in input vertex
     * @return the layer name
     */
    public String relu(String name, String in) {
        return act(name, in, Activation.RELU);
    }

    /**
     * conv (no bias) + batch norm + ReLU, PyTorch names {@code name.0}, {@code name.1}.
     *
     * @param name module prefix
     * @param in input vertex
     * @param out output channels
     * @param k kernel
     * @param stride stride
     * @param pad padding
     * @return the ReLU vertex
     */
    public String convBnRelu(String name, String in, long out, int k, int stride, int pad) {
        String c = conv(name + ".0", in, out, k, stride, pad, 1, false);
        String n = bn(name + ".1", c);
        return relu(name + ".2", n);
    }

    /**
     * Element-wise sum.
     *
     * @param name vertex name
     * @param inputs vertices of equal shape
     * @return the vertex name
     */
    public String add(String name, String... inputs) {
        graph.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), inputs);
        channels.put(name, channels(inputs[0]));
        return name;
    }

    /**
     * Element-wise product.
     *
     * @param name vertex name
     * @param inputs vertices of equal shape
     * @return the vertex name
     */
    public String mul(String name, String... inputs) {
        graph.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Product), inputs);
        channels.put(name, channels(inputs[0]));
        return name;
    }

    /**
     * {@code torch.nn.MaxPool2d(k, stride, padding)} (zero padding: equal to PyTorch's -inf padding on
     * non-negative inputs such as ReLU outputs).
     *
     * @param name layer name
     * @param in input
     * @param k kernel
     * @param stride stride
     * @param pad padding
     * @return the layer name
     */
    public String maxPool(String name, String in, int k, int stride, int pad) {
        graph.addLayer(name, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(k, k)
                .stride(stride, stride).padding(pad, pad).convolutionMode(ConvolutionMode.Truncate)
                .dataFormat(FORMAT).build(), in);
        channels.put(name, channels(in));
        return name;
    }

    /**
     * Nearest-neighbour upsampling ({@code F.interpolate(scale_factor=s, mode="nearest")}).
     *
     * @param name layer name
     * @param in input
     * @param s integer scale
     * @return the layer name
     */
    public String upsample(String name, String in, int s) {
        graph.addLayer(name, new Upsampling2D.Builder(s).dataFormat(FORMAT).build(), in);
        channels.put(name, channels(in));
        return name;
    }

    /**
     * Channel concatenation ({@code torch.cat(dim=1)}), in the order given.
     *
     * @param name vertex name
     * @param inputs vertices of equal spatial size
     * @return the vertex name
     */
    public String concat(String name, String... inputs) {
        MergeVertex m = new MergeVertex();
        m.setMergeAxis(3);
        graph.addVertex(name, m, inputs);
        long c = 0;
        for (String i : inputs) {
            c += channels(i);
        }
        channels.put(name, c);
        return name;
    }

    /**
     * Registers a vertex added directly to {@link #graph()}.
     *
     * @param name vertex name
     * @param c its channel count
     */
    public void register(String name, long c) {
        channels.put(name, c);
    }
}
