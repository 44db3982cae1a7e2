package io.github.hubmapseg.models;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ArrayList;
import java.util.Set;
import java.util.TreeSet;
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
    private static final List<String> ARCHS = List.of("unet", "fpn", "linknet", "pan", "manet");

    private Models() {
    }

    /**
     * @return valid architecture names: {@code unet} (smp.Unet and the winners' options), {@code fpn}
     *     (smp.FPN layout), {@code linknet} (smp.Linknet), {@code pan} (smp.PAN), {@code manet} (smp.MAnet)
     */
    public static List<String> architectures() {
        return ARCHS;
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

    /**
     * The PyTorch tensor names and shapes of an encoder's state_dict (no prefix), computed from its configuration
     * without allocating weights (see {@link TorchWeights#torchShapes}).
     *
     * @param encoder encoder name
     * @return shapes by PyTorch name, in layer order
     */
    static Map<String, long[]> encoderTorchShapes(String encoder) {
        Encoder e = Encoders.create(encoder);
        GraphBuilder g = base(42, new Adam(1e-3)).addInputs("input")
                .setInputTypes(InputType.convolutional(256, 256, 3, Blocks.FORMAT));
        Blocks b = new Blocks(g, "input", 3);
        List<String> features = e.build(b, "input", "");
        g.setOutputs(features.toArray(new String[0]));
        return TorchWeights.torchShapes(g.build(), b.groupedConvs());
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
        return new SegmentationModel(arch, e.name(), inChannels, e.outputStride(), graph, b.groupedConvs(),
                b.batchNorms());
    }

    /** Options of a model; required values are given to {@link Models#builder(String, String)}. */
    public static final class Builder {
        private static final Map<String, Set<String>> APPLICABLE = Map.of(
                "unet", Set.of("decoderChannels", "upsampling", "aspp", "hypercolumn", "scse", "dropout",
                        "deepSupervision", "deepSupervisionLayer", "attentionGate", "cbam"),
                "fpn", Set.of("pyramidChannels", "segmentationChannels", "dropout"),
                "linknet", Set.of("prefinalChannels"),
                "pan", Set.of("panChannels", "encoderOutputStride"),
                "manet", Set.of("decoderChannels", "pabChannels"));
        private final String arch;
        private final Encoder encoder;
        private final Set<String> set = new TreeSet<>();
        private int inChannels = 3;
        private int classes = 1;
        private List<Integer> decoderChannels = List.of(256, 128, 64, 32, 16);
        private Upsampling upsampling = Upsampling.NEAREST;
        private List<Integer> asppRates = List.of();
        private int asppChannels = 256;
        private boolean hypercolumn;
        private int hypercolumnChannels;
        private boolean scse;
        private boolean attentionGate;
        private boolean cbam;
        private Double dropout;
        private int pyramidChannels = 256;
        private int segmentationChannels = 128;
        private int prefinalChannels = 32;
        private int panChannels = 32;
        private int encoderOutputStride = 16;
        private int pabChannels = 64;
        private boolean deepSupervision;
        private boolean classificationHead;
        private ILossFunction loss = new SigmoidBceWithLogits();
        private IUpdater updater = new Adam(1e-3);
        private long seed = 42;
        private org.deeplearning4j.nn.conf.layers.Layer outputLayer;
        private org.deeplearning4j.nn.conf.layers.Layer deepSupervisionLayer;
        private org.deeplearning4j.nn.conf.layers.Layer classificationLayer;

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
         * U-Net only.
         *
         * @param c channels of the five decoder blocks (default 256, 128, 64, 32, 16 as in smp)
         * @return this
         */
        public Builder decoderChannels(List<Integer> c) {
            this.decoderChannels = List.copyOf(c);
            set.add("decoderChannels");
            return this;
        }

        /**
         * U-Net only.
         *
         * @param u upsampling of the decoder blocks (default nearest; the 3rd place used pixel shuffle)
         * @return this
         */
        public Builder upsampling(Upsampling u) {
            this.upsampling = Objects.requireNonNull(u, "upsampling");
            if (u != Upsampling.NEAREST) {
                set.add("upsampling");
            }
            return this;
        }

        /**
         * U-Net only: ASPP on the deepest encoder feature, see {@link Aspp} (the 3rd place: rates 1, 2, 3, 4).
         *
         * @param channels channels of every branch and of the ASPP output (3rd place 512, smp DeepLabV3 256)
         * @param rates dilation rates of the 3x3 branches, at least one
         * @return this
         */
        public Builder aspp(int channels, List<Integer> rates) {
            this.asppChannels = channels;
            this.asppRates = List.copyOf(rates);
            set.add("aspp");
            return this;
        }

        /**
         * U-Net only: the hypercolumn (3rd place's "FPN skips", 1st place's hypercolumn): the outputs of decoder
         * blocks 0..3 upsampled to the last block's resolution and concatenated with it before the head.
         *
         * @param channels 0 to concatenate the block outputs as they are (1st place), or the channels each is
         *     first mapped to by a conv-ReLU-BN-conv module (3rd place: 16)
         * @return this
         */
        public Builder hypercolumn(int channels) {
            this.hypercolumn = true;
            this.hypercolumnChannels = channels;
            set.add("hypercolumn");
            return this;
        }

        /**
         * U-Net only: scSE attention in every decoder block (smp {@code decoder_attention_type="scse"}).
         *
         * @param on whether to add it
         * @return this
         */
        public Builder scse(boolean on) {
            this.scse = on;
            if (on) {
                set.add("scse");
            }
            return this;
        }

        /**
         * U-Net only: an attention gate on every skip connection (Oktay et al. 2018, {@code GridAttentionBlock2D}
         * of its authors' code; see {@link Attention#gate}), gated by the decoder block's input.
         *
         * @param on whether to add them
         * @return this
         */
        public Builder attentionGate(boolean on) {
            this.attentionGate = on;
            if (on) {
                set.add("attentionGate");
            }
            return this;
        }

        /**
         * U-Net only: CBAM (Woo et al. 2018, see {@link Attention#cbam}) in every decoder block, where smp puts its
         * {@code decoder_attention_type} module ({@code attention1} after the concatenation, {@code attention2}
         * after the second conv); not together with {@link #scse}.
         *
         * @param on whether to add it
         * @return this
         */
        public Builder cbam(boolean on) {
            this.cbam = on;
            if (on) {
                set.add("cbam");
            }
            return this;
        }

        /**
         * U-Net (before the head; default 0) and FPN (after the merge; default 0.2 as smp).
         *
         * @param p drop probability in [0, 1)
         * @return this
         */
        public Builder dropout(double p) {
            this.dropout = p;
            set.add("dropout");
            return this;
        }

        /**
         * FPN only.
         *
         * @param c pyramid channels (default 256 as smp)
         * @return this
         */
        public Builder pyramidChannels(int c) {
            this.pyramidChannels = c;
            set.add("pyramidChannels");
            return this;
        }

        /**
         * FPN only.
         *
         * @param c segmentation-block channels (default 128 as smp)
         * @return this
         */
        public Builder segmentationChannels(int c) {
            this.segmentationChannels = c;
            set.add("segmentationChannels");
            return this;
        }

        /**
         * Linknet only.
         *
         * @param c channels of the last decoder block (default 32 as smp)
         * @return this
         */
        public Builder prefinalChannels(int c) {
            this.prefinalChannels = c;
            set.add("prefinalChannels");
            return this;
        }

        /**
         * PAN only: smp's {@code decoder_channels} (an int for PAN).
         *
         * @param c the channels of the FPA and GAU blocks (default 32 as smp)
         * @return this
         */
        public Builder panChannels(int c) {
            this.panChannels = c;
            set.add("panChannels");
            return this;
        }

        /**
         * PAN only: smp's {@code encoder_output_stride}. At 16 (smp's default for PAN) the encoder's stride-32 stage
         * is dilated as smp's {@code make_dilated} does it (stride 1, dilation 2, see {@link Blocks#dilate}), so the
         * deepest feature stays at stride 16; resnet/SE-ResNeXt-style and smp's EfficientNet encoders can (grouped
         * ResNeXt convolutions cannot: use 32 there). Input sizes stay multiples of 32.
         *
         * @param s 16 or 32 (default 16)
         * @return this
         */
        public Builder encoderOutputStride(int s) {
            this.encoderOutputStride = s;
            set.add("encoderOutputStride");
            return this;
        }

        /**
         * MAnet only: smp's {@code decoder_pab_channels}.
         *
         * @param c the query/key channels of the position attention block (default 64 as smp)
         * @return this
         */
        public Builder pabChannels(int c) {
            this.pabChannels = c;
            set.add("pabChannels");
            return this;
        }

        /**
         * U-Net only: deep supervision, extra outputs {@code deep_supervision.i.loss} (i = 0..3) with the logits
         * of decoder blocks 0..3 ({@code deep_supervision.i}: 1x1 conv with bias), at strides 16, 8, 4, 2.
         *
         * @param on whether to add them
         * @return this
         */
        public Builder deepSupervision(boolean on) {
            this.deepSupervision = on;
            if (on) {
                set.add("deepSupervision");
            }
            return this;
        }

        /**
         * The output layer of every deep-supervision output (cloned per output). Default: a
         * {@code CnnLossLayer} with {@link #loss}, whose labels must have the output's resolution (as
         * {@link SegmentationModel#labels(INDArray)} makes them). {@code SegLossLayer} of hubmap-losses with a
         * weight (0.1 in the 1st place) and {@code nonEmptyOnly} is the 1st-place recipe. Implies
         * {@link #deepSupervision}.
         *
         * @param layer the layer configuration
         * @return this
         */
        public Builder deepSupervisionLayer(org.deeplearning4j.nn.conf.layers.Layer layer) {
            this.deepSupervisionLayer = Objects.requireNonNull(layer, "deepSupervisionLayer");
            set.add("deepSupervisionLayer");
            return deepSupervision(true);
        }

        /**
         * A classification head (1st place): global average pool of the deepest encoder feature and a linear
         * layer to one logit ({@code classification_head.3}, a 1x1 conv; smp's {@code aux_params} names, its
         * Linear weight imports), output {@code classification_head.loss} {@code [N, 1, 1, 1]}.
         *
         * @param on whether to add it
         * @return this
         */
        public Builder classificationHead(boolean on) {
            this.classificationHead = on;
            return this;
        }

        /**
         * The output layer of the classification head. Default: a {@code CnnLossLayer} with
         * {@link SigmoidBceWithLogits} on {@code [N, 1, 1, 1]} labels. Implies {@link #classificationHead}.
         *
         * @param layer the layer configuration
         * @return this
         */
        public Builder classificationLayer(org.deeplearning4j.nn.conf.layers.Layer layer) {
            this.classificationLayer = Objects.requireNonNull(layer, "classificationLayer");
            return classificationHead(true);
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
            ComputationGraphConfiguration conf = configure();
            SegmentationModel m = init(arch, encoder, inChannels, conf, blocks);
            for (String name : icnr) {
                icnrInit(m.graph().getLayer(name).getParam("W"));
            }
            return m;
        }

        /** @return the PyTorch names and shapes of the model's state_dict, without allocating weights */
        Map<String, long[]> torchShapes() {
            ComputationGraphConfiguration conf = configure();
            return TorchWeights.torchShapes(conf, blocks.groupedConvs());
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
                        + " multiple of the output stride " + encoder.outputStride() + "; pad to "
                        + roundUp(Math.max(height, 1)) + "x" + roundUp(Math.max(width, 1)));
            }
            return ModelSummary.of(arch, encoder.name(), inChannels, encoder.outputStride(), conf,
                    blocks.groupedConvs(), blocks.batchNorms(), height, width);
        }

        private int roundUp(int v) {
            int s = encoder.outputStride();
            return (v + s - 1) / s * s;
        }

        private Blocks blocks;
        private List<String> icnr = List.of();

        private void validate() {
            Set<String> wrong = new TreeSet<>(set);
            wrong.removeAll(APPLICABLE.get(arch));
            if (!wrong.isEmpty()) {
                Set<String> ok = new TreeSet<>(APPLICABLE.get(arch));
                ok.add("classificationHead");
                throw new IllegalArgumentException("options not applicable to " + arch + ": " + String.join(", ", wrong)
                        + " (" + arch + " takes: " + String.join(", ", ok) + ")");
            }
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
            if (set.contains("aspp")) {
                if (asppChannels < 1) {
                    throw new IllegalArgumentException("aspp channels must be >= 1, got " + asppChannels);
                }
                if (asppRates.isEmpty() || asppRates.stream().anyMatch(r -> r < 1)) {
                    throw new IllegalArgumentException("aspp rates must be >= 1 and at least one, got " + asppRates);
                }
            }
            if (scse && cbam) {
                throw new IllegalArgumentException("scse and cbam are two attention modules for the same places of"
                        + " the decoder blocks; choose one");
            }
            if (hypercolumnChannels < 0) {
                throw new IllegalArgumentException("hypercolumn channels must be >= 0, got " + hypercolumnChannels);
            }
            if (dropout != null && !(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
            }
            if (arch.equals("fpn") && segmentationChannels % FpnDecoder.GROUPS != 0) {
                throw new IllegalArgumentException("FPN segmentationChannels must be a multiple of 32 (smp's"
                        + " GroupNorm(32, c)), got " + segmentationChannels);
            }
            for (int c : new int[] {pyramidChannels, segmentationChannels, prefinalChannels, panChannels,
                pabChannels}) {
                if (c < 1) {
                    throw new IllegalArgumentException("pyramidChannels, segmentationChannels, prefinalChannels,"
                            + " panChannels and pabChannels must be >= 1, got " + pyramidChannels + ", "
                            + segmentationChannels + ", " + prefinalChannels + ", " + panChannels + ", " + pabChannels);
                }
            }
            if (arch.equals("manet") && decoderChannels.size() != encoder.stageChannels().size()) {
                throw new IllegalArgumentException("MAnet needs one decoder channel count per encoder stage ("
                        + encoder.stageChannels().size() + "), got " + decoderChannels);
            }
            if (arch.equals("pan")) {
                if (encoderOutputStride != 16 && encoderOutputStride != 32) {
                    throw new IllegalArgumentException("PAN encoderOutputStride must be 16 or 32 (smp's"
                            + " encoder_output_stride), got " + encoderOutputStride);
                }
                if (encoderOutputStride == 16 && encoder.lastStageModules().isEmpty()) {
                    throw new IllegalArgumentException("encoder " + encoder.name() + " has no dilated last stage here,"
                            + " so PAN's default encoderOutputStride 16 is not available; set encoderOutputStride 32");
                }
            }
        }

        private ComputationGraphConfiguration configure() {
            validate();
            Dl4jRuntime.configure();
            GraphBuilder g = base(seed, updater).addInputs("input")
                    .setInputTypes(InputType.convolutional(256, 256, inChannels, Blocks.FORMAT));
            Blocks b = new Blocks(g, "input", inChannels);
            if (arch.equals("pan") && encoderOutputStride == 16) {
                for (String m : encoder.lastStageModules()) {
                    b.dilate("encoder." + m, 2); // smp's make_dilated(16): the stride-32 stage, rate 32 / 16
                }
            }
            List<String> features = encoder.build(b, "input", "encoder.");
            List<String> outputs = new ArrayList<>();
            String logits;
            List<String> dsLevels = List.of();
            icnr = List.of();
            switch (arch) {
                case "unet" -> {
                    UnetDecoder.Result r = UnetDecoder.build(b, features, new UnetDecoder.Options(decoderChannels,
                            upsampling, scse, asppRates, asppChannels, hypercolumn, hypercolumnChannels,
                            dropout == null ? 0 : dropout, attentionGate, cbam), classes);
                    logits = r.logits();
                    dsLevels = r.blockOutputs().subList(0, r.blockOutputs().size() - 1);
                    icnr = r.icnr();
                }
                case "fpn" -> logits = FpnDecoder.build(b, features, pyramidChannels, segmentationChannels,
                        dropout == null ? 0.2 : dropout, classes);
                case "linknet" -> logits = LinknetDecoder.build(b, features, prefinalChannels, classes);
                case "pan" -> logits = PanDecoder.build(b, features, panChannels, classes);
                case "manet" -> logits = ManetDecoder.build(b, features, decoderChannels, pabChannels, classes);
                default -> throw new IllegalStateException(arch);
            }
            g.addLayer("loss", outputLayer != null ? outputLayer.clone() : lossLayer(loss), logits);
            outputs.add("loss");
            if (deepSupervision) {
                for (int i = 0; i < dsLevels.size(); i++) {
                    String h = b.conv("deep_supervision." + i, dsLevels.get(i), classes, 1, 1, 0, 1, true);
                    String name = "deep_supervision." + i + ".loss";
                    g.addLayer(name, deepSupervisionLayer != null ? deepSupervisionLayer.clone() : lossLayer(loss), h);
                    outputs.add(name);
                }
            }
            if (classificationHead) {
                String pooled = b.globalAvgPool("classification_head.0", features.get(features.size() - 1));
                String h = b.conv("classification_head.3", pooled, 1, 1, 1, 0, 1, true);
                g.addLayer("classification_head.loss", classificationLayer != null ? classificationLayer.clone()
                        : lossLayer(new SigmoidBceWithLogits()), h);
                outputs.add("classification_head.loss");
            }
            g.setOutputs(outputs.toArray(new String[0]));
            blocks = b;
            return g.build();
        }

        private static CnnLossLayer lossLayer(ILossFunction l) {
            return new CnnLossLayer.Builder(l).activation(Activation.IDENTITY).format(Blocks.FORMAT).build();
        }
    }

    /**
     * ICNR initialisation (Aitken et al. 2017) of a conv feeding {@code PixelShuffle(2)}: the 4 sub-pixel
     * kernels of each output channel ({@code W[c*4 + k]}, k = 0..3) are set equal to {@code W[c*4]}.
     */
    static void icnrInit(INDArray w) {
        long out = w.size(0);
        for (long c = 0; c < out; c += 4) {
            INDArray first = w.slice(c).dup();
            for (long k = 1; k < 4; k++) {
                w.slice(c + k).assign(first);
            }
        }
    }
}
