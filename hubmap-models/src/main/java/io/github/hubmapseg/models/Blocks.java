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
final class Blocks {
    /** The data format of every layer. */
    public static final CNN2DFormat FORMAT = CNN2DFormat.NHWC;

    private final GraphBuilder graph;
    private final Map<String, Long> channels = new LinkedHashMap<>();
    private final Map<String, int[]> groupedConvs = new LinkedHashMap<>();
    private final List<String> batchNorms = new ArrayList<>();
    private final Map<String, Integer> dilated = new LinkedHashMap<>();

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

    /**
     * smp's {@code replace_strides_with_dilation(module, rate)} (its encoders' {@code make_dilated}, PAN's
     * {@code encoder_output_stride=16}) for the modules added from now on under {@code module}: every convolution
     * there gets stride 1, dilation {@code rate} and padding {@code (k / 2) * rate} (a depthwise one is computed as
     * {@link DilationPhasesVertex} split, undilated conv, merge), and lukemelas's static "same" padding
     * ({@link #zeroPad}) becomes the identity.
     *
     * @param module a PyTorch module name, e.g. {@code encoder.layer4}
     * @param rate the dilation rate
     */
    public void dilate(String module, int rate) {
        if (rate < 1) {
            throw new IllegalArgumentException("dilation rate must be >= 1, got " + rate);
        }
        dilated.put(module + ".", rate);
    }

    /** @return the dilation rate smp's {@code make_dilated} gives the module {@code name}, 1 if none */
    private int dilation(String name) {
        for (Map.Entry<String, Integer> e : dilated.entrySet()) {
            if (name.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return 1;
    }

    /** @return grouped conv layer name to {groups, kernel} */
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
     * @param groups groups (1 = dense; &gt; 1 = real grouped conv, see {@link GroupedConvolutionLayer})
     * @param bias whether it has a bias
     * @return the layer name
     */
    public String conv(String name, String in, long out, int k, int stride, int pad, int groups, boolean bias) {
        long nIn = channels(in);
        if (nIn % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("conv " + name + ": channels " + nIn + " -> " + out
                    + " not divisible by groups " + groups);
        }
        int d = dilation(name);
        if (d > 1 && groups > 1) {
            throw new IllegalArgumentException("conv " + name + ": a grouped convolution cannot be dilated here"
                    + " (GroupedConvolutionLayer has no dilation), so this encoder cannot have output stride 16;"
                    + " use encoder output stride 32");
        }
        ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(k, k).stride(d > 1 ? 1 : stride, d > 1 ? 1 : stride)
                .padding(d > 1 ? k / 2 * d : pad, d > 1 ? k / 2 * d : pad).dilation(d, d)
                .convolutionMode(ConvolutionMode.Truncate).nIn(nIn).nOut(out).hasBias(bias)
                .activation(Activation.IDENTITY).dataFormat(FORMAT);
        if (groups > 1) {
            groupedConvs.put(name, new int[] {groups, k});
            graph.addLayer(name, new GroupedConvolutionLayer(b.name(name), groups), in);
        } else {
            graph.addLayer(name, new NhwcConvolutionLayer(b), in);
        }
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
     * A broadcast product {@code x * gate}: {@code gate} is {@code [N, 1, 1, C]} (a channel gate, as in
     * squeeze-and-excitation) or {@code [N, H, W, 1]} (a spatial gate), see {@link BroadcastMulVertex}.
     *
     * @param name vertex name
     * @param x activations {@code [N, H, W, C]}
     * @param gate the gate
     * @return the vertex name
     */
    public String scale(String name, String x, String gate) {
        graph.addVertex(name, new BroadcastMulVertex(), x, gate);
        channels.put(name, channels(x));
        return name;
    }

    /**
     * Global average pooling keeping the spatial axes: {@code [N, H, W, C] -> [N, 1, 1, C]}
     * ({@code torch.nn.AdaptiveAvgPool2d(1)}), see {@link GlobalAvgPoolVertex}.
     *
     * @param name vertex name
     * @param in input
     * @return the vertex name
     */
    public String globalAvgPool(String name, String in) {
        graph.addVertex(name, new GlobalAvgPoolVertex(), in);
        channels.put(name, channels(in));
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

    /**
     * A dilated 2-D convolution, {@code torch.nn.Conv2d(in, out, k, padding=pad, dilation=dilation, bias=bias)}
     * (stride 1).
     *
     * @param name layer name (the PyTorch module name)
     * @param in input vertex
     * @param out output channels
     * @param k square kernel size
     * @param pad symmetric zero padding
     * @param dilation dilation (atrous rate)
     * @param bias whether it has a bias
     * @return the layer name
     */
    public String dilatedConv(String name, String in, long out, int k, int pad, int dilation, boolean bias) {
        graph.addLayer(name, new ConvolutionLayer.Builder(k, k).stride(1, 1).padding(pad, pad)
                .dilation(dilation, dilation).convolutionMode(ConvolutionMode.Truncate).nIn(channels(in)).nOut(out)
                .hasBias(bias).activation(Activation.IDENTITY).dataFormat(FORMAT).build(), in);
        channels.put(name, out);
        return name;
    }

    /**
     * {@code torch.nn.BatchNorm2d(c, eps=eps, momentum=momentum)}, e.g. torchvision's EfficientNet-B5..B7
     * ({@code eps=1e-3, momentum=0.01}); DL4J's decay is {@code 1 - momentum}.
     *
     * @param name layer name
     * @param in input vertex
     * @param eps the variance epsilon (&gt; 0)
     * @param momentum PyTorch's running-statistics momentum, in (0, 1)
     * @return the layer name
     */
    public String bn(String name, String in, double eps, double momentum) {
        if (!(eps > 0) || !(momentum > 0 && momentum < 1)) {
            throw new IllegalArgumentException("batch norm " + name + ": eps must be > 0 and momentum in (0, 1), got"
                    + " eps " + eps + ", momentum " + momentum);
        }
        graph.addLayer(name, new BatchNormalization.Builder().nIn(channels(in)).nOut(channels(in)).eps(eps)
                .decay(1 - momentum).useLogStd(false).dataFormat(FORMAT).build(), in);
        channels.put(name, channels(in));
        batchNorms.add(name);
        return name;
    }

    /**
     * A depthwise convolution equal to {@code torch.nn.Conv2d(c, c, k, stride, pad, groups=c, bias=bias)}
     * (depth multiplier 1, oneDNN's {@code jit_dw} path). DL4J stores its weight as {@code [k, k, c, 1]};
     * {@link TorchWeights} transposes PyTorch's {@code [c, 1, k, k]}.
     *
     * @param name layer name (the PyTorch module name)
     * @param in input vertex
     * @param k square kernel size
     * @param stride stride
     * @param pad symmetric zero padding
     * @param bias whether it has a bias
     * @return the layer name
     */
    public String depthwiseConv(String name, String in, int k, int stride, int pad, boolean bias) {
        long c = channels(in);
        int d = dilation(name);
        String x = in;
        if (d > 1) { // dilated as split into phases, undilated conv, merge (see DilationPhasesVertex)
            graph.addVertex(name + ".split", new DilationPhasesVertex(d, false), in);
            channels.put(name + ".split", c);
            x = name + ".split";
        }
        graph.addLayer(name, new org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D.Builder(k, k)
                .stride(d > 1 ? 1 : stride, d > 1 ? 1 : stride).padding(d > 1 ? k / 2 : pad, d > 1 ? k / 2 : pad)
                .depthMultiplier(1).convolutionMode(ConvolutionMode.Truncate).nIn(c).nOut(c).hasBias(bias)
                .activation(Activation.IDENTITY).dataFormat(FORMAT).build(), x);
        channels.put(name, c);
        if (d > 1) {
            graph.addVertex(name + ".merge", new DilationPhasesVertex(d, true), name);
            channels.put(name + ".merge", c);
            return name + ".merge";
        }
        return name;
    }

    /**
     * {@code torch.nn.ConvTranspose2d(in, out, k, stride, padding, bias=bias)}; DL4J stores its weight
     * {@code [in, out, kh, kw]} like PyTorch.
     *
     * @param name layer name
     * @param in input vertex
     * @param out output channels
     * @param k square kernel
     * @param stride stride
     * @param pad symmetric padding
     * @param bias whether it has a bias
     * @return the layer name
     */
    public String transposedConv(String name, String in, long out, int k, int stride, int pad, boolean bias) {
        graph.addLayer(name, new org.deeplearning4j.nn.conf.layers.Deconvolution2D.Builder(k, k).stride(stride, stride)
                .padding(pad, pad).convolutionMode(ConvolutionMode.Truncate).nIn(channels(in)).nOut(out)
                .hasBias(bias).activation(Activation.IDENTITY).dataFormat(FORMAT).build(), in);
        channels.put(name, out);
        return name;
    }

    /**
     * Element-wise dropout with drop probability {@code p} (PyTorch convention; DL4J's {@code Dropout} takes
     * the retain probability {@code 1 - p}); the identity at inference. Note: PyTorch's {@code Dropout2d}
     * drops whole channels, this drops elements.
     *
     * @param name layer name
     * @param in input
     * @param p drop probability in [0, 1)
     * @return the layer name
     */
    public String dropout(String name, String in, double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        graph.addLayer(name, new org.deeplearning4j.nn.conf.layers.DropoutLayer.Builder(1.0 - p).build(), in);
        channels.put(name, channels(in));
        return name;
    }

    /**
     * {@code torch.nn.PixelShuffle(2)}: {@code [N, H, W, 4C] -> [N, 2H, 2W, C]} in PyTorch's channel order,
     * see {@link PixelShuffleVertex}.
     *
     * @param name vertex name
     * @param in input with a channel count divisible by 4
     * @return the vertex name
     */
    public String pixelShuffle(String name, String in) {
        long c = channels(in);
        if (c % 4 != 0) {
            throw new IllegalArgumentException("pixel shuffle " + name + ": channels must be divisible by 4, got " + c);
        }
        graph.addVertex(name, new PixelShuffleVertex(), in);
        channels.put(name, c / 4);
        return name;
    }

    /**
     * Repeats a pooled {@code [N, 1, 1, C]} map over the spatial size of {@code reference}, see
     * {@link ExpandVertex}.
     *
     * @param name vertex name
     * @param pooled the {@code [N, 1, 1, C]} vertex
     * @param reference a vertex whose height and width the output takes
     * @return the vertex name
     */
    public String expand(String name, String pooled, String reference) {
        graph.addVertex(name, new ExpandVertex(), pooled, reference);
        channels.put(name, channels(pooled));
        return name;
    }

    /**
     * Zero padding of the spatial axes, possibly asymmetric.
     *
     * @param name layer name
     * @param in input vertex
     * @param top rows added above
     * @param bottom rows added below
     * @param left columns added left
     * @param right columns added right
     * @return the layer name
     */
    public String zeroPad(String name, String in, int top, int bottom, int left, int right) {
        if (dilation(name) > 1) {
            return in; // smp's make_dilated: static_padding = nn.Identity()
        }
        graph.addLayer(name, new org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer.Builder(top, bottom, left, right)
                .dataFormat(FORMAT).build(), in);
        channels.put(name, channels(in));
        return name;
    }

    /**
     * {@code torch.nn.GroupNorm(groups, c, eps)}: the standardisation ({@link GroupNormVertex}, vertex
     * {@code name + ".norm"}) followed by its per-channel weight and bias as a 1x1 depthwise convolution with bias
     * named {@code name} (weight initialised to 1, bias to 0, as PyTorch's), so the PyTorch tensors
     * {@code name.weight [c]} and {@code name.bias [c]} map to it ({@link TorchWeights}: a 1x1 depthwise convolution
     * is a per-channel affine map whose PyTorch weight is {@code [c]}).
     *
     * @param name layer name (the PyTorch module name)
     * @param in input vertex
     * @param groups number of groups (must divide the channels)
     * @param eps the variance epsilon
     * @return the affine layer's name
     */
    public String groupNorm(String name, String in, int groups, double eps) {
        long c = channels(in);
        if (groups < 1 || c % groups != 0) {
            throw new IllegalArgumentException("GroupNorm " + name + ": channels " + c + " are not divisible by "
                    + groups + " groups");
        }
        graph.addVertex(name + ".norm", new GroupNormVertex(groups, eps), in);
        channels.put(name + ".norm", c);
        graph.addLayer(name, new org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D.Builder(1, 1)
                .stride(1, 1).padding(0, 0).depthMultiplier(1).convolutionMode(ConvolutionMode.Truncate).nIn(c)
                .nOut(c).hasBias(true).weightInit(org.deeplearning4j.nn.weights.WeightInit.ONES).biasInit(0)
                .activation(Activation.IDENTITY).dataFormat(FORMAT).build(), name + ".norm");
        channels.put(name, c);
        return name;
    }

    /**
     * Bilinear upsampling with {@code align_corners=True} ({@code nn.UpsamplingBilinear2d(scale_factor=s)}), see
     * {@link BilinearUpsampleVertex}.
     *
     * @param name vertex name
     * @param in input
     * @param s integer scale
     * @return the vertex name
     */
    public String bilinearUpsample(String name, String in, int s) {
        graph.addVertex(name, new BilinearUpsampleVertex(s), in);
        channels.put(name, channels(in));
        return name;
    }

    /**
     * {@code F.interpolate(x, size=reference.shape[2:], mode="bilinear", align_corners=True)}, see
     * {@link BilinearResizeVertex}.
     *
     * @param name vertex name
     * @param in input
     * @param reference the vertex whose height and width the output takes
     * @return the vertex name
     */
    public String bilinearResize(String name, String in, String reference) {
        graph.addVertex(name, new BilinearResizeVertex(), in, reference);
        channels.put(name, channels(in));
        return name;
    }

    /**
     * The attention product of smp's MAnet {@code PABBlock}, see {@link PositionAttentionVertex}.
     *
     * @param name vertex name
     * @param center {@code center_conv}'s output
     * @param top {@code top_conv}'s output
     * @param bottom {@code bottom_conv}'s output
     * @return the vertex name
     */
    public String positionAttention(String name, String center, String top, String bottom) {
        graph.addVertex(name, new PositionAttentionVertex(), center, top, bottom);
        channels.put(name, channels(bottom));
        return name;
    }
}
