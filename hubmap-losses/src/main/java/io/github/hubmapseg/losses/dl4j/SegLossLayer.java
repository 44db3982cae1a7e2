package io.github.hubmapseg.losses.dl4j;

import io.github.hubmapseg.losses.DeepSupervision;
import io.github.hubmapseg.losses.Losses;
import io.github.hubmapseg.losses.TargetResize;
import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Deeplearning4j output layer (configuration) for binary segmentation with the losses of this module, on
 * 4-D activations: {@code (B, H, W, 1)} for {@link CNN2DFormat#NHWC} (the default, as in the models module) or
 * {@code (B, 1, H, W)} for NCHW. Put it last in a {@code ComputationGraph} (or {@code MultiLayerNetwork}),
 * after a 1-channel convolution with IDENTITY activation: its input is the logits; its output at inference
 * is {@code sigmoid(logits)}; labels are 0/1 masks in the same format.
 *
 * <p>Why a layer of its own: {@code CnnLossLayer} flattens 4-D activations to {@code [B*H*W, C]} rows before
 * calling its {@code ILossFunction} (verified in {@code Dl4jLossLayerTest}), so the loss cannot see which
 * pixels belong to which image (per-image Dice and Lovász need that), and {@code SameDiffLoss} documents 2-D
 * inputs. This layer gets the 4-D arrays, computes value and exact gradient with the pure-Java losses (float32
 * data, double arithmetic) and hands the gradient back to the network.
 *
 * <p>Deep supervision: give an auxiliary output its own {@code SegLossLayer} with {@code weight} (0.1 in the
 * 1st-place recipe), {@code nonEmptyOnly} and a {@link TargetResize}; feed it the FULL-resolution mask as
 * labels: when the labels are larger than the activations they are resized by this layer. The loss reported
 * (score) is the weighted value; the gradient is {@code weight * d loss / d logits}.
 *
 * <p>The configuration is plain JSON-serializable fields: the loss is kept as its {@link Losses#parse}
 * specification string.
 */
public class SegLossLayer extends NoParamLayer {

    private static final long serialVersionUID = 1L;

    private String loss = "bce";
    private CNN2DFormat format = CNN2DFormat.NHWC;
    private double weight = 1.0;
    private boolean nonEmptyOnly = false;
    private TargetResize targetResize = TargetResize.MAX_POOL;

    /** For JSON deserialization; use {@link #builder(String)}. */
    public SegLossLayer() {
    }

    private SegLossLayer(Builder b) {
        super(b);
        this.loss = b.loss;
        this.format = b.format;
        this.weight = b.weight;
        this.nonEmptyOnly = b.nonEmptyOnly;
        this.targetResize = b.targetResize;
    }

    /** A builder for the loss specification (see {@link Losses#parse}), e.g. {@code "bce+lovasz"}. */
    public static Builder builder(String lossSpec) {
        return new Builder(lossSpec);
    }

    /** The deep-supervision description of this layer's loss (weight 1 and all images for a main output). */
    public DeepSupervision toDeepSupervision() {
        return DeepSupervision.of(Losses.parse(loss), weight, nonEmptyOnly, targetResize);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        SegLossLayerImpl impl = new SegLossLayerImpl(conf, networkDataType);
        impl.setListeners(trainingListeners);
        impl.setIndex(layerIndex);
        impl.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
        impl.setParamTable(params);
        impl.setConf(conf);
        return impl;
    }

    @Override
    public ParamInitializer initializer() {
        return org.deeplearning4j.nn.params.EmptyParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long n = inputType.arrayElementsPerExample();
        return new LayerMemoryReport.Builder(layerName, SegLossLayer.class, inputType, inputType)
                .standardMemory(0, 0)
                .workingMemory(0, 0, n * 6, n * 6)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    /** The loss specification. */
    public String getLoss() {
        return loss;
    }

    /** Sets the loss specification (validated). */
    public void setLoss(String loss) {
        Losses.parse(loss);
        this.loss = loss;
    }

    /** The activation layout. */
    public CNN2DFormat getFormat() {
        return format;
    }

    /** Sets the activation layout. */
    public void setFormat(CNN2DFormat format) {
        this.format = format;
    }

    /** The weight of this output's loss. */
    public double getWeight() {
        return weight;
    }

    /** Sets the weight of this output's loss. */
    public void setWeight(double weight) {
        this.weight = weight;
    }

    /** Whether the loss applies only to images with a non-empty mask. */
    public boolean isNonEmptyOnly() {
        return nonEmptyOnly;
    }

    /** Sets whether the loss applies only to images with a non-empty mask. */
    public void setNonEmptyOnly(boolean nonEmptyOnly) {
        this.nonEmptyOnly = nonEmptyOnly;
    }

    /** How larger labels are resized to the activations. */
    public TargetResize getTargetResize() {
        return targetResize;
    }

    /** Sets how larger labels are resized to the activations. */
    public void setTargetResize(TargetResize targetResize) {
        this.targetResize = targetResize;
    }

    @Override
    public String toString() {
        return "SegLossLayer(loss=" + loss + ", format=" + format + ", weight=" + weight + ", nonEmptyOnly="
                + nonEmptyOnly + ", targetResize=" + targetResize + ")";
    }

    /** Builder: the loss specification is required, the rest optional. */
    public static final class Builder extends org.deeplearning4j.nn.conf.layers.Layer.Builder<Builder> {
        private final String loss;
        private CNN2DFormat format = CNN2DFormat.NHWC;
        private double weight = 1.0;
        private boolean nonEmptyOnly = false;
        private TargetResize targetResize = TargetResize.MAX_POOL;

        private Builder(String loss) {
            this.loss = loss;
        }

        /** Activation layout, NHWC by default. */
        public Builder format(CNN2DFormat f) {
            this.format = f;
            return this;
        }

        /** Weight of the loss (1 by default; 0.1 for 1st-place deep supervision). */
        public Builder weight(double w) {
            this.weight = w;
            return this;
        }

        /** Apply only to images whose (full-resolution) mask is non-empty (false by default). */
        public Builder nonEmptyOnly(boolean b) {
            this.nonEmptyOnly = b;
            return this;
        }

        /** How labels larger than the activations are resized (max-pooling by default). */
        public Builder targetResize(TargetResize r) {
            this.targetResize = r;
            return this;
        }

        /** Validates and builds. */
        @Override
        @SuppressWarnings("unchecked")
        public SegLossLayer build() {
            Losses.parse(loss);
            if (format == null) {
                throw new IllegalArgumentException("format must not be null (NHWC or NCHW)");
            }
            if (targetResize == null) {
                throw new IllegalArgumentException("targetResize must not be null");
            }
            DeepSupervision.of(Losses.parse(loss), weight, nonEmptyOnly, targetResize);
            return new SegLossLayer(this);
        }
    }
}
