package io.github.hubmapseg.models;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The model registry: {@code Models.create("unet", "resnext50_32x4d")} or, with options,
 * {@code Models.builder("unet", "resnet34").decoderChannels(List.of(64, 32, 16, 8, 8)).build()}.
 * Every model is an NHWC DL4J {@link ComputationGraph} configured for the oneDNN CPU path
 * ({@link Dl4jRuntime}, workspaces ENABLED), whose output is logits; the loss is pluggable
 * (default {@link SigmoidBceWithLogits}).
 */
public final class Models {
    private static final Set<String> ARCHS = Set.of("unet");

    private Models() {
    }

    /** @return valid architecture names */
    public static List<String> architectures() {
        return List.of("unet");
    }

    /** @return valid encoder names */
    public static Set<String> encoders() {
        return Encoders.names();
    }

    /**
     * A model with default options.
     *
     * @param arch architecture, one of {@link #architectures()}
     * @param encoder encoder, one of {@link #encoders()}
     * @return the initialised model
     */
    public static SegmentationModel create(String arch, String encoder) {
        return builder(arch, encoder).build();
    }

    /**
     * @param arch architecture, one of {@link #architectures()}
     * @param encoder encoder, one of {@link #encoders()}
     * @return a builder with default options
     */
    public static Builder builder(String arch, String encoder) {
        Objects.requireNonNull(arch, "arch");
        if (!ARCHS.contains(arch)) {
            throw new IllegalArgumentException("unknown architecture '" + arch + "'; valid architectures: "
                    + String.join(", ", architectures()));
        }
        return new Builder(arch, Encoders.create(encoder));
    }

    /**
     * The encoder alone, its outputs the features at strides 2..32 (inference only), with the encoder's
     * own PyTorch names (no prefix): torchvision's {@code resnext50_32x4d().state_dict()} imports into it.
     *
     * @param encoder encoder name
     * @param inChannels input channels
     * @return the initialised encoder graph
     */
    public static SegmentationModel encoderOnly(String encoder, int inChannels) {
        Dl4jRuntime.configure();
        Encoder e = Encoders.create(encoder);
        GraphBuilder g = base(42, new Adam(1e-3)).addInputs("input")
                .setInputTypes(InputType.convolutional(256, 256, inChannels, Blocks.FORMAT));
        Blocks b = new Blocks(g, "input", inChannels);
        List<String> features = e.build(b, "input", "");
        g.setOutputs(features.toArray(new String[0]));
        return init("encoder", e, inChannels, g, b);
    }

    private static GraphBuilder base(long seed, IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(updater).weightInit(WeightInit.RELU)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder();
    }

    private static SegmentationModel init(String arch, Encoder e, int inChannels, GraphBuilder g, Blocks b) {
        ComputationGraphConfiguration conf = g.build();
        return init(arch, e, inChannels, conf, b);
    }

    private static SegmentationModel init(String arch, Encoder e, int inChannels, ComputationGraphConfiguration conf,
            Blocks b) {
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        Dl4jRuntime.accelerate(graph);
        // grouped convs: zero the weights outside the groups; rescale to the grouped fan-in (He init)
        for (Map.Entry<String, int[]> en : b.groupedConvs().entrySet()) {
            INDArray w = graph.getLayer(en.getKey()).getParam("W");
            int groups = en.getValue()[0];
            w.muli(GroupMaskConstraint.mask(w.shape(), groups, w.dataType())).muli(Math.sqrt(groups));
        }
        return new SegmentationModel(arch, e.name(), inChannels, e.outputStride(), graph, b.groupedConvs(),
                b.batchNorms());
    }

    /** Options of a model; required values are given to {@link Models#builder(String, String)}. */
    public static final class Builder {
        private final String arch;
        private final Encoder encoder;
        private int inChannels = 3;
        private int classes = 1;
        private List<Integer> decoderChannels = List.of(256, 128, 64, 32, 16);
        private Upsampling upsampling = Upsampling.NEAREST;
        private ILossFunction loss = new SigmoidBceWithLogits();
        private IUpdater updater = new Adam(1e-3);
        private long seed = 42;
        private org.deeplearning4j.nn.conf.layers.Layer outputLayer;

        private Builder(String arch, Encoder encoder) {
            this.arch = arch;
            this.encoder = encoder;
        }

        /**
         * @param c input channels (default 3)
         * @return this
         */
        public Builder inChannels(int c) {
            this.inChannels = c;
            return this;
        }

        /**
         * @param c logit channels (default 1)
         * @return this
         */
        public Builder classes(int c) {
            this.classes = c;
            return this;
        }

        /**
         * @param c channels of the five decoder blocks (default 256, 128, 64, 32, 16 as in smp)
         * @return this
         */
        public Builder decoderChannels(List<Integer> c) {
            this.decoderChannels = List.copyOf(c);
            return this;
        }

        /**
         * @param u upsampling mode (default nearest)
         * @return this
         */
        public Builder upsampling(Upsampling u) {
            this.upsampling = Objects.requireNonNull(u, "upsampling");
            return this;
        }

        /**
         * @param l the loss applied to the logits (default {@link SigmoidBceWithLogits}); the output layer's
         *     activation is the identity, so the loss receives logits
         * @return this
         */
        public Builder loss(ILossFunction l) {
            this.loss = Objects.requireNonNull(l, "loss");
            return this;
        }

        /**
         * @param u the optimiser (default Adam 1e-3)
         * @return this
         */
        public Builder updater(IUpdater u) {
            this.updater = Objects.requireNonNull(u, "updater");
            return this;
        }

        /**
         * Replaces the default output layer (a {@code CnnLossLayer} with {@link #loss}) by a layer of your own,
         * e.g. {@code SegLossLayer} of hubmap-losses; it receives the logits {@code [N, H, W, classes]} and must
         * accept NHWC activations. What the model's first output then holds (logits or probabilities) is that
         * layer's inference output.
         *
         * @param layer the output layer configuration, or {@code null} for the default
         * @return this
         */
        public Builder outputLayer(org.deeplearning4j.nn.conf.layers.Layer layer) {
            this.outputLayer = layer;
            return this;
        }

        /**
         * @param s random seed of the weight initialisation (default 42)
         * @return this
         */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Validates the options, builds and initialises the graph.
         *
         * @return the model
         */
        public SegmentationModel build() {
            return init(arch, encoder, inChannels, configure(), blocks);
        }

        /**
         * The summary of the model these options describe, computed without allocating its weights.
         *
         * @param height input height (a multiple of the output stride)
         * @param width input width
         * @return the summary
         */
        public ModelSummary summary(int height, int width) {
            ComputationGraphConfiguration conf = configure();
            if (height % encoder.outputStride() != 0 || width % encoder.outputStride() != 0 || height <= 0
                    || width <= 0) {
                throw new IllegalArgumentException("input size " + height + "x" + width + " (HxW) is not a positive"
                        + " multiple of the output stride " + encoder.outputStride());
            }
            return ModelSummary.of(arch, encoder.name(), inChannels, encoder.outputStride(), conf,
                    blocks.groupedConvs(), blocks.batchNorms(), height, width);
        }

        private Blocks blocks;

        private ComputationGraphConfiguration configure() {
            if (inChannels < 1) {
                throw new IllegalArgumentException("inChannels must be >= 1, got " + inChannels);
            }
            if (classes < 1) {
                throw new IllegalArgumentException("classes must be >= 1, got " + classes);
            }
            for (int c : decoderChannels) {
                if (c < 1) {
                    throw new IllegalArgumentException("decoderChannels must be >= 1, got " + decoderChannels);
                }
            }
            Dl4jRuntime.configure();
            GraphBuilder g = base(seed, updater).addInputs("input")
                    .setInputTypes(InputType.convolutional(256, 256, inChannels, Blocks.FORMAT));
            Blocks b = new Blocks(g, "input", inChannels);
            List<String> features = encoder.build(b, "input", "encoder.");
            String logits = UnetDecoder.build(b, features, decoderChannels, classes, upsampling);
            g.addLayer("loss", outputLayer != null ? outputLayer.clone() : new CnnLossLayer.Builder(loss)
                    .activation(Activation.IDENTITY).format(Blocks.FORMAT).build(), logits);
            g.setOutputs("loss");
            blocks = b;
            return g.build();
        }
    }
}
