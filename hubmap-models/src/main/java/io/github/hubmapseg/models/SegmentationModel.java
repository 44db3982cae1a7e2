package io.github.hubmapseg.models;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J segmentation network built by {@link Models}, with what is needed to use it correctly.
 * Inputs are NHWC float arrays {@code [N, H, W, C]} (use {@link #toNhwc(INDArray)} for NCHW batches such as
 * {@code TileBatch}); H and W must be multiples of {@link #outputStride()}. The first graph output is
 * the logits {@code [N, H, W, classes]} (apply a sigmoid for probabilities). Holds native memory: close it.
 */
public final class SegmentationModel implements AutoCloseable {
    private final String arch;
    private final String encoder;
    private final int inChannels;
    private final int outputStride;
    private final ComputationGraph graph;
    private final Map<String, int[]> groupedConvs;
    private final List<String> batchNorms;

    SegmentationModel(String arch, String encoder, int inChannels, int outputStride, ComputationGraph graph,
            Map<String, int[]> groupedConvs, List<String> batchNorms) {
        this.arch = arch;
        this.encoder = encoder;
        this.inChannels = inChannels;
        this.outputStride = outputStride;
        this.graph = graph;
        this.groupedConvs = Map.copyOf(groupedConvs);
        this.batchNorms = List.copyOf(batchNorms);
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

    /** @return names of grouped (masked dense) convolutions with {groups, kernel size} */
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
        return graph.output(false, nhwc);
    }

    /**
     * One training step (forward, backward, update) on a batch.
     *
     * @param nhwc input {@code [N, H, W, C]}
     * @param labels targets shaped like the logits {@code [N, H, W, classes]}
     * @return the loss after the step's forward pass
     */
    public double fit(INDArray nhwc, INDArray labels) {
        validate(nhwc);
        graph.fit(new INDArray[] {nhwc}, new INDArray[] {labels});
        return graph.score();
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
        graph.close();
    }
}
