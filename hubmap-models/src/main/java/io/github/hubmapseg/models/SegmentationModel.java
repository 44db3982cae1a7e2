package io.github.hubmapseg.models;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J segmentation network built by {@link Models}, with what is needed to use it correctly.
 * Inputs are NHWC float arrays {@code [N, H, W, C]} (use {@link #toNhwc(INDArray)} for NCHW batches such as
 * {@code TileBatch}); H and W must be multiples of {@link #outputStride()}. The first graph output is
 * the logits {@code [N, H, W, classes]} (apply a sigmoid for probabilities). Further outputs, when the model
 * has them, follow in {@link Models}' documented order (deep-supervision logits at strides 16, 8, 4, 2, then the
 * classification logit {@code [N, 1, 1, 1]}); {@link #outputNames()} lists them and {@link #labels(INDArray)}
 * derives their labels from a mask. Holds native memory: close it.
 */
public final class SegmentationModel implements AutoCloseable {
    private final String arch;
    private final String encoder;
    private final int inChannels;
    private final int outputStride;
    private final ComputationGraph graph;
    private final Map<String, int[]> groupedConvs;
    private final List<String> batchNorms;
    private volatile InferenceGraphs.Folded folded;
    private volatile boolean foldTried;

    SegmentationModel(String arch, String encoder, int inChannels, int outputStride, ComputationGraph graph,
            Map<String, int[]> groupedConvs, List<String> batchNorms) {
        this.arch = arch;
        this.encoder = Encoders.recordedName(encoder, graph);
        this.inChannels = inChannels;
        this.outputStride = outputStride;
        this.graph = graph;
        this.groupedConvs = Map.copyOf(groupedConvs);
        this.batchNorms = List.copyOf(batchNorms);
        bypassOneDnnForDilatedConvs(graph);
    }

    /**
     * DL4J 1.0.0-M2.1's oneDNN convolution helper fails on every dilated convolution ("could not create a
     * descriptor for a dilated convolution forward propagation primitive"; it logs a stack trace and falls back
     * to the built-in implementation). ASPP's atrous convolutions therefore go straight to the built-in
     * implementation (exact, checked against PyTorch in {@code DecoderParityTest}).
     */
    static void bypassOneDnnForDilatedConvs(ComputationGraph graph) {
        for (org.deeplearning4j.nn.api.Layer l : graph.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer c
                    && l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf
                    && conf.getDilation() != null && (conf.getDilation()[0] > 1 || conf.getDilation()[1] > 1)
                    && c.getHelper() instanceof org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper) {
                try {
                    java.lang.reflect.Field f = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class
                            .getDeclaredField("helper");
                    f.setAccessible(true);
                    f.set(c, null);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot bypass the oneDNN helper of " + conf.getLayerName(), e);
                }
            }
        }
    }

    /** @return the architecture name */
    public String arch() {
        return arch;
    }

    /** @return the encoder name */
    public String encoder() {
        return encoder;
    }

    /** @return input channels */
    public int inChannels() {
        return inChannels;
    }

    /** @return the multiple that input heights and widths must be */
    public int outputStride() {
        return outputStride;
    }

    /** @return the DL4J graph (for training with {@code fit}, listeners, serialisation) */
    public ComputationGraph graph() {
        return graph;
    }

    /** @return names of the batch-norm layers */
    public List<String> batchNorms() {
        return batchNorms;
    }

    /** @return names of grouped convolutions with {groups, kernel size} */
    public Map<String, int[]> groupedConvs() {
        return groupedConvs;
    }

    /**
     * Checks an input size.
     *
     * @param height input height in pixels
     * @param width input width in pixels
     * @throws IllegalArgumentException saying what to pad to
     */
    public void validateInputSize(long height, long width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("input size must be > 0, got " + height + "x" + width);
        }
        if (height % outputStride != 0 || width % outputStride != 0) {
            throw new IllegalArgumentException("input size " + height + "x" + width + " (HxW) is not a multiple"
                    + " of the output stride " + outputStride + " of " + arch + "/" + encoder + "; pad to "
                    + roundUp(height) + "x" + roundUp(width));
        }
    }

    private long roundUp(long v) {
        return (v + outputStride - 1) / outputStride * outputStride;
    }

    private void validate(INDArray nhwc) {
        if (nhwc.rank() != 4) {
            throw new IllegalArgumentException("input must be rank 4 [N, H, W, C], got shape "
                    + java.util.Arrays.toString(nhwc.shape()));
        }
        if (nhwc.size(3) != inChannels) {
            throw new IllegalArgumentException("input must be NHWC with " + inChannels + " channels, got shape "
                    + java.util.Arrays.toString(nhwc.shape()));
        }
        validateInputSize(nhwc.size(1), nhwc.size(2));
    }

    /**
     * Inference.
     *
     * @param nhwc input {@code [N, H, W, C]}
     * @return logits {@code [N, H, W, classes]} (a detached copy)
     */
    public INDArray logits(INDArray nhwc) {
        return outputs(nhwc)[0];
    }

    /**
     * Inference returning every graph output (logits first; encoder-only graphs return the features).
     *
     * @param nhwc input {@code [N, H, W, C]}
     * @return the outputs
     */
    public INDArray[] outputs(INDArray nhwc) {
        validate(nhwc);
        InferenceGraphs.Folded f = inferenceGraph();
        return f == null ? graph.output(false, nhwc) : f.output(nhwc);
    }

    /**
     * The graph inference runs on: derived once from {@link #graph()} with every convolution, its batch norm and
     * ReLU fused ({@link InferenceGraphs}); it reads the model's current parameters on every call.
     *
     * @return the derived graph, or null when inference runs on {@link #graph()} itself
     */
    InferenceGraphs.Folded inferenceGraph() {
        if (!foldTried) {
            synchronized (this) {
                if (!foldTried) {
                    folded = InferenceGraphs.fold(graph);
                    foldTried = true;
                }
            }
        }
        return folded;
    }

    /**
     * One training step (forward, backward, update) on a batch.
     *
     * @param nhwc input {@code [N, H, W, C]}
     * @param labels targets shaped like the logits {@code [N, H, W, classes]}; for a model with several
     *     outputs the labels of the others are derived by {@link #labels(INDArray)}
     * @return the loss after the step's forward pass (the sum over the outputs)
     */
    public double fit(INDArray nhwc, INDArray labels) {
        return fit(nhwc, labels(labels));
    }

    /**
     * One training step with the labels of every output given.
     *
     * @param nhwc input {@code [N, H, W, C]}
     * @param labels one array per output, in {@link #outputNames()} order
     * @return the loss after the step's forward pass (the sum over the outputs)
     */
    public double fit(INDArray nhwc, INDArray[] labels) {
        validate(nhwc);
        if (labels.length != outputNames().size()) {
            throw new IllegalArgumentException("need " + outputNames().size() + " label arrays (" + outputNames()
                    + "), got " + labels.length);
        }
        graph.fit(new INDArray[] {nhwc}, labels);
        return graph.score();
    }

    /** @return the graph outputs in order (the first is {@code loss}, the segmentation logits) */
    public List<String> outputNames() {
        return graph.getConfiguration().getNetworkOutputs();
    }

    /**
     * The labels of every output from a full-resolution mask: the mask itself for the segmentation output, the
     * mask max-pooled to the output's resolution for lower-resolution outputs (deep supervision: a cell is 1 if
     * any of its pixels is), and {@code any(mask)} per image for the classification output.
     *
     * @param mask 0/1 targets {@code [N, H, W, classes]}
     * @return one label array per output, in {@link #outputNames()} order
     */
    public INDArray[] labels(INDArray mask) {
        List<String> names = outputNames();
        if (names.size() == 1) {
            return new INDArray[] {mask};
        }
        if (mask.rank() != 4) {
            throw new IllegalArgumentException("mask must be rank 4 [N, H, W, C], got shape "
                    + java.util.Arrays.toString(mask.shape()));
        }
        long n = mask.size(0);
        long h = mask.size(1);
        long w = mask.size(2);
        long c = mask.size(3);
        validateInputSize(h, w);
        Map<String, org.deeplearning4j.nn.conf.inputs.InputType> types = graph.getConfiguration()
                .getLayerActivationTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(h, w, inChannels,
                        Blocks.FORMAT));
        INDArray[] out = new INDArray[names.size()];
        for (int i = 0; i < out.length; i++) {
            var t = (org.deeplearning4j.nn.conf.inputs.InputType.InputTypeConvolutional) types.get(names.get(i));
            long oh = t.getHeight();
            long ow = t.getWidth();
            long oc = t.getChannels();
            if (oh == h && ow == w && oc == c) {
                out[i] = mask;
            } else if (oc == c || oc == 1) {
                INDArray m = oc == c ? mask : mask.max(true, 3);
                out[i] = m.dup('c').reshape('c', n, oh, h / oh, ow, w / ow, oc).max(2, 4)
                        .reshape('c', n, oh, ow, oc);
            } else {
                throw new IllegalArgumentException("cannot derive labels of output " + names.get(i) + " ("
                        + oh + "x" + ow + "x" + oc + ") from a mask of shape " + java.util.Arrays.toString(mask.shape()));
            }
        }
        return out;
    }

    /**
     * @param nchw a batch {@code [N, C, H, W]}
     * @return the same values as a contiguous {@code [N, H, W, C]} array
     */
    public static INDArray toNhwc(INDArray nchw) {
        return nchw.permute(0, 2, 3, 1).dup('c');
    }

    /**
     * @param nhwc a batch {@code [N, H, W, C]}
     * @return the same values as a contiguous {@code [N, C, H, W]} array
     */
    public static INDArray toNchw(INDArray nhwc) {
        return nhwc.permute(0, 3, 1, 2).dup('c');
    }

    /** @return free (trainable) parameters, counted like PyTorch */
    public long trainableParams() {
        return summary(outputStride * 8, outputStride * 8).trainableParams();
    }

    /**
     * Layers, free-parameter counts (PyTorch convention) and output shapes for an input size.
     *
     * @param height input height (a multiple of the output stride)
     * @param width input width
     * @return the summary
     */
    public ModelSummary summary(int height, int width) {
        validateInputSize(height, width);
        return ModelSummary.of(arch, encoder, inChannels, outputStride, graph.getConfiguration(), groupedConvs,
                batchNorms, height, width);
    }

    @Override
    public void close() {
        InferenceGraphs.Folded f = folded;
        if (f != null) {
            f.close();
        }
        graph.close();
    }
}
