package io.github.hubmapseg.pipeline.train;

import io.github.hubmapseg.losses.dl4j.SegLossLayer;
import io.github.hubmapseg.models.Models;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.models.Upsampling;
import io.github.hubmapseg.pipeline.config.Recipe;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * Builds the model a recipe describes: {@code Models.builder(model.architecture, model.encoder)} with, for
 * {@code b = model.base_channels}, U-Net decoder channels {@code (8b, 4b, 2b, b, b)} (or
 * {@code model.decoder_channels} when given, e.g. smp's {@code [256, 128, 64, 32, 16]}), FPN pyramid/segmentation
 * channels {@code 8b/4b}, Linknet prefinal channels {@code b}, PAN channels {@code b} (smp's default 32 at
 * {@code b = 32}) with {@code model.encoder_output_stride}, MAnet decoder channels as the U-Net's and
 * position-attention channels {@code 2b} (smp's 64 at {@code b = 32}); the model keys map onto builder options:
 * {@code fpn_skips} = hypercolumn of 16-channel FPN convs (3rd place), {@code hypercolumn} = plain hypercolumn
 * (1st place), {@code aspp} = ASPP with {@code 8b} channels and rates 1, 2, 3, 4, {@code pixel_shuffle} = pixel
 * shuffle upsampling, {@code attention} = scSE, {@code attention_gate} = attention gates, {@code cbam} = CBAM,
 * {@code deep_supervision} = deep-supervision outputs with the
 * recipe's loss weighted by {@code train.deep_supervision_weight} on non-empty tiles, {@code classification_head}
 * = a BCE tile classifier (options that do not apply to the architecture fail, naming them); the recipe's loss as a
 * {@link SegLossLayer} output layer (so the model's output at inference is the sigmoid probability), and the
 * optimizer: {@code adam}; {@code adamw} = Adam with decoupled weight decay ({@link WeightDecay} on the
 * convolution weights, scaled by the learning rate as in PyTorch's AdamW); {@code sgd}; {@code ranger} =
 * {@link Ranger} (RAdam + Lookahead with Ranger's defaults).
 */
public final class ModelFactory {
    /**
     * What the models built here output at inference: their {@link SegLossLayer} outputs sigmoid probabilities
     * (recorded in every training checkpoint's metadata, see {@link Checkpoint#of}).
     */
    public static final io.github.hubmapseg.models.OutputActivation OUTPUT_ACTIVATION =
            io.github.hubmapseg.models.OutputActivation.SIGMOID;
    /** Channels of each FPN-skip level (3rd place / iafoss: 16). */
    static final int FPN_SKIP_CHANNELS = 16;
    /** ASPP dilation rates of the 3rd place (iafoss's UneXt50: 1, 2, 3, 4 at the stride-32 feature). */
    static final List<Integer> ASPP_RATES = List.of(1, 2, 3, 4);

    private ModelFactory() {
    }

    /**
     * @param recipe the recipe
     * @return a freshly initialised model (seeded with {@code train.seed})
     */
    public static SegmentationModel create(Recipe recipe) {
        Recipe.Train t = recipe.train();
        SegmentationModel model = builder(recipe).build();
        if (t.optimizer().equals("adamw") && t.weightDecay() > 0) {
            ComputationGraph g = model.graph();
            for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
                if (l.conf().getLayer() instanceof ConvolutionLayer c) {
                    ((BaseLayer) c).setRegularization(List.<Regularization>of(new WeightDecay(t.weightDecay(), true)));
                }
            }
        }
        return model;
    }

    /**
     * Fails, before anything is trained, when the recipe names pretraining ({@code model.pretrained} other than
     * {@code none}) but gives no weight file, or names a file that does not exist.
     *
     * @param recipe the recipe
     * @throws IllegalArgumentException naming the file the recipe needs
     */
    public static void checkPretraining(Recipe recipe) {
        Recipe.Model m = recipe.model();
        List<String> perVariant = m.variantEncoderWeights();
        if (!perVariant.isEmpty()) {
            for (int i = 0; i < perVariant.size(); i++) {
                if (!java.nio.file.Files.isRegularFile(java.nio.file.Path.of(perVariant.get(i)))) {
                    throw new IllegalArgumentException("model.variant_encoder_weights[" + i + "] (variant "
                            + m.variants().get(i) + "): no such file " + perVariant.get(i));
                }
            }
            return;
        }
        if (!m.hasWeights()) {
            if (!"none".equals(m.pretrained())) {
                throw new IllegalArgumentException("recipe " + recipe.name() + ": model.pretrained is '"
                        + m.pretrained() + "' but no weights are given; download that file once and set"
                        + " model.encoder_weights=FILE (encoder) or model.weights=FILE (whole model), or"
                        + " model.pretrained=none to train from random weights");
            }
            return;
        }
        String f = m.weights().isEmpty() ? m.encoderWeights() : m.weights();
        String key = m.weights().isEmpty() ? "model.encoder_weights" : "model.weights";
        if (!java.nio.file.Files.isRegularFile(java.nio.file.Path.of(f))) {
            throw new IllegalArgumentException(key + ": no such file " + f + " (the recipe's pretraining: "
                    + m.pretrained() + ")");
        }
    }

    /**
     * The recipe of one backbone of {@code model.variants}: its encoder, and its file of
     * {@code model.variant_encoder_weights} as {@code model.encoder_weights} when those are given.
     *
     * @param recipe a recipe with {@code model.variants}
     * @param i the variant's index
     * @return the variant's recipe
     */
    public static Recipe variant(Recipe recipe, int i) {
        Recipe.Model m = recipe.model();
        List<String> o = new java.util.ArrayList<>(List.of("model.encoder=" + m.variants().get(i)));
        if (!m.variantEncoderWeights().isEmpty()) {
            o.add("model.variant_encoder_weights=[]");
            o.add("model.encoder_weights=" + m.variantEncoderWeights().get(i));
        }
        return io.github.hubmapseg.pipeline.config.Recipes.withOverrides(recipe, o);
    }

    /**
     * The model a training run starts from: {@link #create(Recipe)} with the recipe's weight file loaded
     * ({@code model.weights}: the whole model; {@code model.encoder_weights}: the encoder, the decoder keeps its
     * seeded initialisation), after {@link #checkPretraining}.
     *
     * @param recipe the recipe
     * @return the model
     * @throws java.io.IOException if the weight file cannot be read
     * @throws IllegalArgumentException if it does not fit the model (listing missing, unexpected and mis-shaped
     *     tensors)
     */
    public static SegmentationModel createForTraining(Recipe recipe) throws java.io.IOException {
        checkPretraining(recipe);
        SegmentationModel model = create(recipe);
        Recipe.Model m = recipe.model();
        if (!m.hasWeights()) {
            return model;
        }
        String layout = m.weightsLayout();
        io.github.hubmapseg.models.WeightLayout l = "auto".equals(layout) ? null
                : io.github.hubmapseg.models.WeightLayout.valueOf(layout.toUpperCase(java.util.Locale.ROOT));
        boolean whole = !m.weights().isEmpty();
        java.nio.file.Path file = java.nio.file.Path.of(whole ? m.weights() : m.encoderWeights());
        try {
            io.github.hubmapseg.models.WeightLayouts.load(model, file, l, whole);
        } catch (IllegalArgumentException e) {
            model.close();
            throw new IllegalArgumentException((whole ? "model.weights " : "model.encoder_weights ") + file + ": "
                    + e.getMessage(), e);
        } catch (java.io.IOException | RuntimeException e) {
            model.close();
            throw e;
        }
        return model;
    }

    /**
     * The model options a recipe describes, without allocating weights: {@code builder(recipe).summary(h, w)}
     * describes the model {@link #create(Recipe)} builds (apart from AdamW's weight decay, set on the built model).
     *
     * @param recipe the recipe
     * @return the model builder
     * @throws IllegalArgumentException if the recipe's model keys are inconsistent
     */
    public static Models.Builder builder(Recipe recipe) {
        Recipe.Model m = recipe.model();
        Recipe.Train t = recipe.train();
        int b = m.baseChannels();
        IUpdater updater = switch (t.optimizer()) {
            case "adam", "adamw" -> new Adam(t.lr().maxLr());
            case "sgd" -> new Sgd(t.lr().maxLr());
            case "ranger" -> new Ranger(t.lr().maxLr());
            default -> throw new IllegalArgumentException("train.optimizer '" + t.optimizer()
                    + "' is not available on the DL4J backend; use adam, adamw, sgd or ranger");
        };
        Models.Builder builder = Models.builder(m.architecture(), m.encoder())
                .outputLayer(SegLossLayer.builder(t.loss()).build())
                .updater(updater).seed(t.seed());
        List<Integer> decoder = m.decoderChannels();
        if (!decoder.isEmpty() && !m.architecture().equals("unet") && !m.architecture().equals("manet")) {
            throw new IllegalArgumentException("model.decoder_channels applies to unet and manet only, not "
                    + m.architecture() + " (its width comes from model.base_channels)");
        }
        switch (m.architecture()) {
            case "fpn" -> builder.pyramidChannels(8 * b).segmentationChannels(4 * b);
            case "linknet" -> builder.prefinalChannels(b);
            case "pan" -> builder.panChannels(b).encoderOutputStride(m.encoderOutputStride());
            case "manet" -> builder.pabChannels(2 * b)
                    .decoderChannels(decoder.isEmpty() ? List.of(8 * b, 4 * b, 2 * b, b, b) : decoder);
            default -> builder.decoderChannels(decoder.isEmpty() ? List.of(8 * b, 4 * b, 2 * b, b, b) : decoder);
        }
        if (m.fpnSkips() && m.hypercolumn()) {
            throw new IllegalArgumentException("model.fpn_skips and model.hypercolumn are two variants of the same"
                    + " skips (16-channel FPN convs per level, or the block outputs as they are); set one");
        }
        if (m.fpnSkips()) {
            builder.hypercolumn(FPN_SKIP_CHANNELS);
        }
        if (m.hypercolumn()) {
            builder.hypercolumn(0);
        }
        if (m.aspp()) {
            builder.aspp(8 * b, ASPP_RATES);
        }
        if (m.pixelShuffle()) {
            builder.upsampling(Upsampling.PIXEL_SHUFFLE);
        }
        if (m.attention()) {
            builder.scse(true);
        }
        if (m.attentionGate()) {
            builder.attentionGate(true);
        }
        if (m.cbam()) {
            builder.cbam(true);
        }
        if (m.deepSupervision() != t.deepSupervisionWeight() > 0) {
            throw new IllegalArgumentException("model.deep_supervision (" + m.deepSupervision() + ") needs"
                    + " train.deep_supervision_weight > 0 and the weight needs deep supervision, got weight "
                    + t.deepSupervisionWeight());
        }
        if (m.deepSupervision()) {
            builder.deepSupervisionLayer(SegLossLayer.builder(t.loss()).weight(t.deepSupervisionWeight())
                    .nonEmptyOnly(true).build());
        }
        if (m.classificationHead()) {
            builder.classificationLayer(SegLossLayer.builder("bce").build());
        }
        return builder;
    }
}
