package io.github.hubmapseg.pipeline.config;

import io.github.hubmapseg.pipeline.augment.Augmentations;
import java.util.List;
import java.util.Set;

/**
 * A training and inference recipe: every setting the competitors' write-ups report, as immutable records
 * loaded from YAML or JSON by {@link Recipes} (keys in snake_case, e.g. {@code train.batch_size}). Sizes are in
 * pixels of the level they apply to ({@code tile_size} after reduction), {@code reduce} is the downsampling
 * factor from full resolution, rates are per optimizer step.
 *
 * @param name        recipe name
 * @param description one-line description
 * @param source      where the settings come from (which write-up), and what is assumed
 * @param data        training data: tiles, sampling, normalisation
 * @param model       architecture
 * @param train       optimisation
 * @param cv          cross-validation
 * @param infer       inference
 * @param pseudo      pseudo-labelling (second stage)
 */
public record Recipe(String name, String description, String source, Data data, Model model, Train train, Cv cv,
                     Infer infer, Pseudo pseudo) {

    /** The default recipe's name. */
    public static final String DEFAULT = "cpu-quick";

    /** Validates. */
    public Recipe {
        Valid.nonEmpty("name", name);
    }

    /**
     * Training data.
     *
     * @param tileSize            training tile side after reduction (3rd place 1024)
     * @param reduce              downsampling from full resolution (3rd place 2)
     * @param sampling            grid, shifted, balanced, pdf, random-positive or random
     * @param shift               offset in pixels of the extra shifted grid (1st place 512), 0 for none
     * @param saturationThreshold tiles whose mean saturation is below it are dropped (3rd place 40), 0 keeps all
     * @param balancedBins        mask-area bins of balanced sampling (1st place 4)
     * @param randomTileFraction  share of purely random tiles mixed in (deepflash2-style 0.01..0.1)
     * @param foregroundWeight    pdf sampling weight of glomerulus pixels
     * @param cortexWeight        pdf sampling weight of cortex
     * @param medullaWeight       pdf sampling weight of medulla
     * @param otherWeight         pdf sampling weight of other tissue/background (the floor)
     * @param tilesPerEpoch       tiles drawn per epoch by random samplers (0: one pass over the grid)
     * @param normalize           imagenet, mean-std or scale-255
     * @param pdfCell             side of a pdf-map cell in full-resolution pixels (the map's resolution)
     * @param pdfDilation         glomerulus mask dilation radius of the pdf map, full-resolution pixels
     */
    public record Data(int tileSize, int reduce, String sampling, int shift, int saturationThreshold, int balancedBins,
                       double randomTileFraction, double foregroundWeight, double cortexWeight, double medullaWeight,
                       double otherWeight, int tilesPerEpoch, String normalize, int pdfCell, int pdfDilation) {
        /** Validates. */
        public Data {
            Valid.positive("data.tile_size", tileSize);
            Valid.positive("data.reduce", reduce);
            Valid.oneOf("data.sampling", sampling, Set.of("grid", "shifted", "balanced", "pdf", "random-positive", "random"));
            Valid.nonNegative("data.shift", shift);
            Valid.nonNegative("data.saturation_threshold", saturationThreshold);
            Valid.positive("data.balanced_bins", balancedBins);
            Valid.unit("data.random_tile_fraction", randomTileFraction);
            Valid.nonNegative("data.foreground_weight", foregroundWeight);
            Valid.nonNegative("data.cortex_weight", cortexWeight);
            Valid.nonNegative("data.medulla_weight", medullaWeight);
            Valid.nonNegative("data.other_weight", otherWeight);
            Valid.nonNegative("data.tiles_per_epoch", tilesPerEpoch);
            Valid.oneOf("data.normalize", normalize, Set.of("imagenet", "mean-std", "scale-255"));
            Valid.positive("data.pdf_cell", pdfCell);
            Valid.nonNegative("data.pdf_dilation", pdfDilation);
        }
    }

    /**
     * Architecture.
     *
     * @param architecture       unet, fpn, linknet, ...
     * @param encoder            encoder name (e.g. resnext50_32x4d, se_resnext101_32x4d, efficientnet-b2, tiny)
     * @param pretrained         pretraining the write-up used and the published file it comes from; {@code none}
     *                           trains from scratch, anything else needs {@code encoder_weights} or {@code weights}
     *                           when training starts (nothing is downloaded)
     * @param baseChannels       channels of the first stage (small models)
     * @param depth              number of down-sampling stages
     * @param fpnSkips           FPN skip connections between decoder blocks (3rd place)
     * @param aspp               atrous spatial pyramid pooling (3rd place)
     * @param pixelShuffle       pixel shuffle instead of transposed convolution (3rd place)
     * @param deepSupervision    auxiliary losses on decoder outputs (1st place)
     * @param classificationHead empty / non-empty tile head (1st place)
     * @param attention          attention in the decoder (1st place, per seed team D)
     * @param hypercolumn        hypercolumn (1st place, per seed team D)
     * @param encoderWeights     a weight file ({@code .pth}, {@code .safetensors}, {@code .npz}) of the encoder
     *                           alone, loaded before training ({@code ""}: none)
     * @param weights            a weight file of the whole model (an smp state_dict or a hubmap export), loaded
     *                           before training ({@code ""}: none)
     * @param weightsLayout      layout of those files: auto, smp, torchvision, timm or cadene
     */
    public record Model(String architecture, String encoder, String pretrained, int baseChannels, int depth,
                        boolean fpnSkips, boolean aspp, boolean pixelShuffle, boolean deepSupervision,
                        boolean classificationHead, boolean attention, boolean hypercolumn, String encoderWeights,
                        String weights, String weightsLayout) {
        /** Validates. */
        public Model {
            Valid.nonEmpty("model.architecture", architecture);
            Valid.nonEmpty("model.encoder", encoder);
            Valid.notNull("model.pretrained", pretrained);
            Valid.positive("model.base_channels", baseChannels);
            Valid.positive("model.depth", depth);
            Valid.notNull("model.encoder_weights", encoderWeights);
            Valid.notNull("model.weights", weights);
            Valid.oneOf("model.weights_layout", weightsLayout, Set.of("auto", "smp", "torchvision", "timm", "cadene"));
            if (!encoderWeights.isEmpty() && !weights.isEmpty()) {
                throw new IllegalArgumentException("model.encoder_weights and model.weights are both set; the whole"
                        + " model's weights include the encoder: set one");
            }
        }

        /** @return whether a weight file is given ({@code encoder_weights} or {@code weights}) */
        public boolean hasWeights() {
            return !encoderWeights.isEmpty() || !weights.isEmpty();
        }
    }

    /**
     * Learning-rate schedule (see {@code io.github.hubmapseg.pipeline.schedule}).
     *
     * @param schedule       one-cycle, cosine or constant
     * @param maxLr          peak (or constant) rate (3rd place 1e-4)
     * @param pctStart       one-cycle rising fraction (3rd place 0.2)
     * @param divFactor      one-cycle initial = max / div (3rd place 1e2)
     * @param finalDivFactor one-cycle min = initial / final (PyTorch default 1e4)
     * @param minLr          cosine final rate
     */
    public record Lr(String schedule, double maxLr, double pctStart, double divFactor, double finalDivFactor,
                     double minLr) {
        /** Validates. */
        public Lr {
            Valid.oneOf("train.lr.schedule", schedule, Set.of("one-cycle", "cosine", "constant"));
            Valid.positive("train.lr.max_lr", maxLr);
            if (!(pctStart > 0 && pctStart < 1)) {
                throw new IllegalArgumentException("train.lr.pct_start must be in (0, 1), got " + pctStart);
            }
            Valid.positive("train.lr.div_factor", divFactor);
            Valid.positive("train.lr.final_div_factor", finalDivFactor);
            Valid.nonNegative("train.lr.min_lr", minLr);
        }
    }

    /**
     * Optimisation.
     *
     * @param loss                  loss names joined by '+', e.g. "bce", "bce+lovasz", "dice+ce"
     * @param deepSupervisionWeight weight of deep-supervision losses (1st place 0.1)
     * @param optimizer             adam, adamw, sgd or ranger
     * @param weightDecay           weight decay
     * @param lr                    learning-rate schedule
     * @param epochs                epochs (3rd place 50)
     * @param batchSize             batch size (3rd place 16)
     * @param gradClipNorm          gradient norm clip, 0 for none (3rd place 1)
     * @param selectBy              checkpoint selection: best-soft-dice, best-dice, best-loss or last
     * @param augment               augmentation preset ({@code Augmentations.PRESETS})
     * @param mixedPrecision        mixed precision (recorded; the CPU backend trains in float32)
     * @param earlyStopPatience     epochs without improvement before stopping, 0 for never
     * @param seed                  random seed
     */
    public record Train(String loss, double deepSupervisionWeight, String optimizer, double weightDecay, Lr lr,
                        int epochs, int batchSize, double gradClipNorm, String selectBy, String augment,
                        boolean mixedPrecision, int earlyStopPatience, long seed) {
        /** Validates. */
        public Train {
            Valid.nonEmpty("train.loss", loss);
            for (String part : loss.split("\\+")) {
                if (part.isBlank()) {
                    throw new IllegalArgumentException("train.loss must be names joined by '+', got \"" + loss + "\"");
                }
            }
            Valid.nonNegative("train.deep_supervision_weight", deepSupervisionWeight);
            Valid.oneOf("train.optimizer", optimizer, Set.of("adam", "adamw", "sgd", "ranger"));
            Valid.nonNegative("train.weight_decay", weightDecay);
            Valid.notNull("train.lr", lr);
            Valid.positive("train.epochs", epochs);
            Valid.positive("train.batch_size", batchSize);
            Valid.nonNegative("train.grad_clip_norm", gradClipNorm);
            Valid.oneOf("train.select_by", selectBy, Set.of("best-soft-dice", "best-dice", "best-loss", "last"));
            Valid.oneOf("train.augment", augment, Set.copyOf(Augmentations.PRESETS));
            Valid.nonNegative("train.early_stop_patience", earlyStopPatience);
        }
    }

    /**
     * Cross-validation.
     *
     * @param split            group-kfold-image, group-kfold-patient, one-patient-per-fold, validation-groups,
     *                         stratified, kfold or none
     * @param folds            number of folds
     * @param validationGroups per fold, the groups (patients) validated in it (split validation-groups)
     * @param trainFolds       which folds to train (empty: all); the write-ups often trained only some
     * @param seed             seed of random splits
     */
    public record Cv(String split, int folds, List<List<String>> validationGroups, List<Integer> trainFolds, long seed) {
        /** Validates. */
        public Cv {
            Valid.oneOf("cv.split", split, Set.of("group-kfold-image", "group-kfold-patient", "one-patient-per-fold",
                    "validation-groups", "stratified", "kfold", "none"));
            Valid.positive("cv.folds", folds);
            validationGroups = validationGroups == null ? List.of() : validationGroups.stream().map(List::copyOf).toList();
            trainFolds = trainFolds == null ? List.of() : List.copyOf(trainFolds);
            if (split.equals("validation-groups") && validationGroups.size() != folds) {
                throw new IllegalArgumentException("cv.validation_groups must list " + folds + " folds for split "
                        + "validation-groups, got " + validationGroups.size());
            }
            for (int f : trainFolds) {
                if (f < 0 || f >= folds) {
                    throw new IllegalArgumentException("cv.train_folds entries must be in [0, " + (folds - 1) + "], got " + f);
                }
            }
        }
    }

    /**
     * Inference.
     *
     * @param tileSize         output tile side after reduction (3rd place 1024)
     * @param reduce           downsampling factor (3rd place 2)
     * @param expansion        context added on each side, reduced pixels (3rd place 256 total: 128 a side)
     * @param overlap          overlap between output tiles, reduced pixels (team B 512 at full resolution)
     * @param blending         mean or gaussian
     * @param tta              test-time augmentations: hflip, vflip, transpose, rot90
     * @param threshold        probability threshold (foreground iff p >= threshold)
     * @param searchThreshold  search the threshold on out-of-fold predictions
     * @param ensemble         mean or vote
     * @param voteThreshold    votes needed with ensemble vote
     * @param ensembleMembers  encoders / models in the ensemble (recorded)
     * @param minComponentArea drop predicted components smaller than this (pixels at full resolution), 0 keeps all
     */
    public record Infer(int tileSize, int reduce, int expansion, int overlap, String blending, List<String> tta,
                        double threshold, boolean searchThreshold, String ensemble, int voteThreshold,
                        List<String> ensembleMembers, int minComponentArea) {
        /** Validates. */
        public Infer {
            Valid.positive("infer.tile_size", tileSize);
            Valid.positive("infer.reduce", reduce);
            Valid.nonNegative("infer.expansion", expansion);
            Valid.nonNegative("infer.overlap", overlap);
            if (overlap >= tileSize) {
                throw new IllegalArgumentException("infer.overlap must be < infer.tile_size=" + tileSize + ", got " + overlap);
            }
            Valid.oneOf("infer.blending", blending, Set.of("mean", "gaussian"));
            tta = tta == null ? List.of() : List.copyOf(tta);
            for (String t : tta) {
                Valid.oneOf("infer.tta entry", t, Set.of("hflip", "vflip", "transpose", "rot90"));
            }
            Valid.unit("infer.threshold", threshold);
            Valid.oneOf("infer.ensemble", ensemble, Set.of("mean", "vote"));
            Valid.nonNegative("infer.vote_threshold", voteThreshold);
            ensembleMembers = ensembleMembers == null ? List.of() : List.copyOf(ensembleMembers);
            Valid.nonNegative("infer.min_component_area", minComponentArea);
        }
    }

    /**
     * Pseudo-labelling (1st place, team B, 3rd place's hand-label variant): after the first stage, the
     * ensemble predicts the {@code sources} slides; the mask at the ensemble threshold becomes their label,
     * and pixels with {@code negative_threshold < p < positive_threshold} (or, when {@code max_tta_std > 0},
     * a standard deviation over the TTA poses above it) form an uncertain region. The write-ups do not say
     * how uncertain pixels were handled; the losses here take no per-pixel mask, so training tiles whose
     * uncertain share exceeds {@code max_uncertain_fraction} are not sampled. A second stage then trains
     * every fold again (from scratch, {@code epochs} epochs) on its training slides plus the pseudo-labelled
     * ones.
     *
     * @param enabled              run the second stage
     * @param positiveThreshold    pixels with {@code p >= it} are confident foreground
     * @param negativeThreshold    pixels with {@code p <= it} are confident background (in between: uncertain)
     * @param epochs               second-stage epochs (3rd place 25)
     * @param sources              what is pseudo-labelled: test, external ({@code external/} slides) or
     *                             test+external
     * @param maxTtaStd            pixels whose std over TTA poses exceeds it are uncertain too; 0 for off
     * @param maxUncertainFraction training tiles with a larger uncertain share are not sampled
     */
    public record Pseudo(boolean enabled, double positiveThreshold, double negativeThreshold, int epochs, String sources,
                         double maxTtaStd, double maxUncertainFraction) {
        /** Validates. */
        public Pseudo {
            Valid.unit("pseudo.positive_threshold", positiveThreshold);
            Valid.unit("pseudo.negative_threshold", negativeThreshold);
            if (negativeThreshold > positiveThreshold) {
                throw new IllegalArgumentException("pseudo.negative_threshold must be <= pseudo.positive_threshold="
                        + positiveThreshold + ", got " + negativeThreshold);
            }
            Valid.positive("pseudo.epochs", epochs);
            Valid.oneOf("pseudo.sources", sources, Set.of("test", "external", "test+external"));
            if (!(maxTtaStd >= 0 && maxTtaStd <= 0.5)) {
                throw new IllegalArgumentException("pseudo.max_tta_std must be in [0, 0.5] (0 = off), got " + maxTtaStd);
            }
            Valid.unit("pseudo.max_uncertain_fraction", maxUncertainFraction);
        }
    }

    /** Value checks naming the key. */
    static final class Valid {
        private Valid() {
        }

        static void notNull(String key, Object v) {
            if (v == null) {
                throw new IllegalArgumentException(key + " must be set");
            }
        }

        static void nonEmpty(String key, String v) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException(key + " must be a non-empty string, got " + (v == null ? null : "\"" + v + "\""));
            }
        }

        static void positive(String key, double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(key + " must be > 0, got " + v);
            }
        }

        static void positive(String key, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(key + " must be > 0, got " + v);
            }
        }

        static void nonNegative(String key, double v) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(key + " must be >= 0, got " + v);
            }
        }

        static void unit(String key, double v) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException(key + " must be in [0, 1], got " + v);
            }
        }

        static void oneOf(String key, String v, Set<String> valid) {
            if (v == null || !valid.contains(v)) {
                throw new IllegalArgumentException(key + " must be one of " + new java.util.TreeSet<>(valid) + ", got "
                        + (v == null ? null : "\"" + v + "\""));
            }
        }
    }
}
