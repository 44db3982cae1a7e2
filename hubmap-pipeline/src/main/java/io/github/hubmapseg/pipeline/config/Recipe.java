package io.github.hubmapseg.pipeline.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.github.hubmapseg.pipeline.augment.Augmentations;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A training and inference recipe: every setting the competitors' write-ups report, as immutable records
 * loaded from YAML or JSON by {@link Recipes} (keys in snake_case, e.g. {@code train.batch_size}). Sizes are in
 * pixels of the level they apply to ({@code tile_size} after reduction), {@code reduce} is the downsampling
 * factor from full resolution, rates are per optimizer step.
 * <p><b>No silent keys.</b> Every setting's accessor records its key in the recipe's {@link KeyLedger} when it
 * is called, so a key is consumed exactly where the code reads it; a key the recipe file (or an override) sets
 * that the run never read is an error ({@link Recipes#requireConsumed}). Documentation belongs in
 * {@code description}, {@code source} and {@code notes}, which are never settings. A new setting is a record
 * component plus a one-line accessor, e.g.
 * {@code public String encoderWeights() { return keys.read("model.encoder_weights", encoderWeights); }}
 * ({@code RecipesTest} fails for a component whose accessor does not record its key).
 *
 * @param name        recipe name
 * @param description one-line description
 * @param source      where the settings come from (which write-up), how the write-up was read, what is assumed
 * @param notes       what the write-up did that this recipe cannot do, and why
 * @param data        training data: tiles, sampling, normalisation
 * @param model       architecture
 * @param train       optimisation
 * @param cv          cross-validation
 * @param infer       inference
 * @param pseudo      pseudo-labelling (second stage)
 * @param post        the stages around the model at inference: empty-window filter, DenseCRF, Otsu, energy
 * @param members     an ensemble of members trained in one run, each its own settings (10th and 23rd place: reduce
 *                    2, 3 and 4; team A: tiles 512, 640, 768): per member the dotted keys it overrides, e.g.
 *                    {@code {data.reduce: 2, infer.reduce: 2}} ({@link Recipes#member}); empty: one kind of member
 * @param keys        the declared and consumed keys (not a setting; shared by all sections)
 */
public record Recipe(String name, String description, String source, String notes, Data data, Model model,
                     Train train, Cv cv, Infer infer, Pseudo pseudo, Post post, List<Map<String, Object>> members,
                     @JsonIgnore KeyLedger keys) {

    /** The default recipe's name. */
    public static final String DEFAULT = "cpu-quick";

    /** Validates. */
    public Recipe {
        Valid.nonEmpty("name", name);
        List<Map<String, Object>> ms = new java.util.ArrayList<>();
        for (Map<String, Object> m : members == null ? List.<Map<String, Object>>of() : members) {
            ms.add(java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(m == null ? Map.of() : m)));
        }
        members = List.copyOf(ms);
        keys = keys == null ? KeyLedger.binding() : keys;
    }

    /** The members' overrides ({@code members}), read: a run trains one kind of member per entry. */
    public List<Map<String, Object>> members() {
        return keys.read("members", members);
    }

    /** Declared keys nothing has read so far (see {@link KeyLedger}). */
    public List<String> unconsumedKeys() {
        return keys.unconsumed();
    }

    /**
     * Training data.
     *
     * @param tileSize            training tile side after reduction (3rd place 1024)
     * @param reduce              downsampling from full resolution (3rd place 2)
     * @param sampling            grid, balanced, pdf, random-positive or random
     * @param shift               grid and balanced sampling: offset, in pixels after reduction, of an extra grid
     *                            added to the regular one (1st place 512 with 1024 tiles), 0 for none
     * @param saturationThreshold iafoss's tile filter (3rd place 40): a training grid tile is kept when more than
     *                            {@code 1000 (T/256)^2} of its pixels have HSV saturation above it and its pixel
     *                            sum exceeds the same count; 0 keeps all
     * @param balancedBins        balanced sampling: equal-width masked-area bins of the masked tiles (1st place 4);
     *                            the empty tiles are one more bin, and every non-empty bin is drawn equally often
     * @param randomTileFraction  pdf sampling: share of uniformly random tiles mixed in (deepflash2-style 0.05)
     * @param foregroundWeight    pdf sampling weight of glomerulus pixels
     * @param cortexWeight        pdf sampling weight of cortex
     * @param medullaWeight       pdf sampling weight of medulla
     * @param otherWeight         pdf sampling weight of other tissue/background (the floor)
     * @param tilesPerEpoch       tiles drawn per epoch by random samplers (0: one per grid tile)
     * @param normalize           imagenet, mean-std or scale-255
     * @param pdfCell             side of a pdf-map cell in full-resolution pixels (the map's resolution)
     * @param pdfDilation         glomerulus mask dilation radius of the pdf map, full-resolution pixels
     * @param everyGlomerulus     pdf sampling: each epoch starts with one tile centred in every glomerulus of the
     *                            training slides (deepflash2), then {@code tilesPerEpoch} pdf tiles
     * @param positiveRetries     random-positive sampling: redraws of a crop without glomerulus before any crop is
     *                            taken (23rd place 25)
     */
    public record Data(int tileSize, int reduce, String sampling, int shift, int saturationThreshold, int balancedBins,
                       double randomTileFraction, double foregroundWeight, double cortexWeight, double medullaWeight,
                       double otherWeight, int tilesPerEpoch, String normalize, int pdfCell, int pdfDilation,
                       boolean everyGlomerulus, int positiveRetries, @JsonIgnore KeyLedger keys) {
        /** Validates. */
        public Data {
            Valid.positive("data.tile_size", tileSize);
            Valid.positive("data.reduce", reduce);
            Valid.oneOf("data.sampling", sampling, Set.of("grid", "balanced", "pdf", "random-positive", "random"));
            Valid.nonNegative("data.shift", shift);
            if (shift >= tileSize) {
                throw new IllegalArgumentException("data.shift must be < data.tile_size=" + tileSize + ", got " + shift);
            }
            Valid.nonNegative("data.saturation_threshold", saturationThreshold);
            if (saturationThreshold > 255) {
                throw new IllegalArgumentException("data.saturation_threshold must be in 0..255, got "
                        + saturationThreshold);
            }
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
            Valid.nonNegative("data.positive_retries", positiveRetries);
            keys = keys == null ? KeyLedger.binding() : keys;
        }

        public int tileSize() { return keys.read("data.tile_size", tileSize); }
        public int reduce() { return keys.read("data.reduce", reduce); }
        public String sampling() { return keys.read("data.sampling", sampling); }
        public int shift() { return keys.read("data.shift", shift); }
        public int saturationThreshold() { return keys.read("data.saturation_threshold", saturationThreshold); }
        public int balancedBins() { return keys.read("data.balanced_bins", balancedBins); }
        public double randomTileFraction() { return keys.read("data.random_tile_fraction", randomTileFraction); }
        public double foregroundWeight() { return keys.read("data.foreground_weight", foregroundWeight); }
        public double cortexWeight() { return keys.read("data.cortex_weight", cortexWeight); }
        public double medullaWeight() { return keys.read("data.medulla_weight", medullaWeight); }
        public double otherWeight() { return keys.read("data.other_weight", otherWeight); }
        public int tilesPerEpoch() { return keys.read("data.tiles_per_epoch", tilesPerEpoch); }
        public String normalize() { return keys.read("data.normalize", normalize); }
        public int pdfCell() { return keys.read("data.pdf_cell", pdfCell); }
        public int pdfDilation() { return keys.read("data.pdf_dilation", pdfDilation); }
        public boolean everyGlomerulus() { return keys.read("data.every_glomerulus", everyGlomerulus); }
        public int positiveRetries() { return keys.read("data.positive_retries", positiveRetries); }
    }

    /**
     * Architecture.
     *
     * @param architecture       unet, fpn, linknet, pan (smp.PAN), manet (smp.MAnet)
     * @param encoder            encoder name (e.g. resnext50_32x4d, se_resnext101_32x4d, efficientnet-b2, tiny)
     * @param pretrained         pretraining the write-up used and the published file it comes from; {@code none}
     *                           trains from scratch, anything else needs {@code encoder_weights} or {@code weights}
     *                           when training starts (nothing is downloaded)
     * @param variants           encoders of a multi-backbone ensemble: every fold is trained once per encoder and
     *                           all of them form the ensemble (3rd place: resnext50_32x4d and resnext101_32x4d);
     *                           empty: {@code encoder} only
     * @param baseChannels       decoder width: U-Net and MAnet decoder channels (8b, 4b, 2b, b, b), FPN 8b/4b,
     *                           Linknet b, PAN b (and MAnet's position-attention channels 2b)
     * @param decoderChannels    U-Net and MAnet: the five decoder blocks' channels, replacing (8b, 4b, 2b, b, b), e.g.
     *                           smp's default (256, 128, 64, 32, 16) for its {@code Unet} files; empty: from
     *                           {@code base_channels}
     * @param fpnSkips           FPN skip connections between decoder blocks (3rd place)
     * @param aspp               atrous spatial pyramid pooling (3rd place)
     * @param pixelShuffle       pixel shuffle instead of transposed convolution (3rd place)
     * @param deepSupervision    auxiliary losses on decoder outputs (1st place)
     * @param classificationHead empty / non-empty tile head (1st place)
     * @param attention          attention in the decoder (1st place, per seed team D)
     * @param hypercolumn        hypercolumn (1st place, per seed team D)
     * @param attentionGate      U-Net attention gates on the skips (Oktay et al.; the "Tricks" write-up)
     * @param cbam               CBAM in the U-Net decoder blocks (Woo et al.; the "Tricks" write-up), instead of
     *                           {@code attention}'s scSE
     * @param encoderOutputStride PAN only: smp's {@code encoder_output_stride}, 16 (smp's default: the encoder's
     *                           last stage dilated) or 32
     * @param encoderWeights     a weight file ({@code .pth}, {@code .safetensors}, {@code .npz}) of the encoder
     *                           alone, loaded before training ({@code ""}: none)
     * @param weights            a weight file of the whole model (an smp state_dict or a hubmap export), loaded
     *                           before training ({@code ""}: none)
     * @param weightsLayout      layout of those files: auto, smp, torchvision, timm or cadene
     * @param variantEncoderWeights one encoder weight file per entry of {@code variants}, in their order (3rd place:
     *                           the swsl ResNeXt-50 and ResNeXt-101 files), each loaded as that variant's
     *                           {@code encoder_weights}; empty: none
     */
    public record Model(String architecture, String encoder, String pretrained, List<String> variants,
                        int baseChannels, List<Integer> decoderChannels, boolean fpnSkips, boolean aspp, boolean pixelShuffle,
                        boolean deepSupervision, boolean classificationHead, boolean attention, boolean hypercolumn,
                        boolean attentionGate, boolean cbam, int encoderOutputStride,
                        String encoderWeights, String weights, String weightsLayout,
                        List<String> variantEncoderWeights, @JsonIgnore KeyLedger keys) {
        /** Validates. */
        public Model {
            Valid.nonEmpty("model.architecture", architecture);
            Valid.nonEmpty("model.encoder", encoder);
            Valid.notNull("model.pretrained", pretrained);
            variants = variants == null ? List.of() : List.copyOf(variants);
            for (String v : variants) {
                Valid.nonEmpty("model.variants entry", v);
            }
            Valid.positive("model.base_channels", baseChannels);
            decoderChannels = decoderChannels == null ? List.of() : List.copyOf(decoderChannels);
            if (!decoderChannels.isEmpty() && (decoderChannels.size() != 5
                    || decoderChannels.stream().anyMatch(c -> c == null || c < 1))) {
                throw new IllegalArgumentException("model.decoder_channels must be five positive channel counts (the"
                        + " U-Net's decoder blocks, e.g. [256, 128, 64, 32, 16]) or empty, got " + decoderChannels);
            }
            Valid.notNull("model.encoder_weights", encoderWeights);
            Valid.notNull("model.weights", weights);
            Valid.oneOf("model.weights_layout", weightsLayout, Set.of("auto", "smp", "torchvision", "timm", "cadene"));
            if (!encoderWeights.isEmpty() && !weights.isEmpty()) {
                throw new IllegalArgumentException("model.encoder_weights and model.weights are both set; the whole"
                        + " model's weights include the encoder: set one");
            }
            variantEncoderWeights = variantEncoderWeights == null ? List.of() : List.copyOf(variantEncoderWeights);
            if (!variantEncoderWeights.isEmpty()) {
                if (variantEncoderWeights.size() != variants.size()) {
                    throw new IllegalArgumentException("model.variant_encoder_weights has " + variantEncoderWeights.size()
                            + " files for " + variants.size() + " model.variants " + variants + ": give one per variant");
                }
                if (!encoderWeights.isEmpty() || !weights.isEmpty()) {
                    throw new IllegalArgumentException("model.variant_encoder_weights and model."
                            + (weights.isEmpty() ? "encoder_weights" : "weights") + " are both set: set one");
                }
                for (String f : variantEncoderWeights) {
                    Valid.nonEmpty("model.variant_encoder_weights entry", f);
                }
            }
            keys = keys == null ? KeyLedger.binding() : keys;
        }

        /** @return whether a weight file is given ({@code encoder_weights} or {@code weights}; both keys are read) */
        public boolean hasWeights() {
            boolean e = !encoderWeights().isEmpty();
            return !weights().isEmpty() || e;
        }

        public String architecture() { return keys.read("model.architecture", architecture); }
        public String encoder() { return keys.read("model.encoder", encoder); }
        public String pretrained() { return keys.read("model.pretrained", pretrained); }
        public List<String> variants() { return keys.read("model.variants", variants); }
        public int baseChannels() { return keys.read("model.base_channels", baseChannels); }
        public List<Integer> decoderChannels() { return keys.read("model.decoder_channels", decoderChannels); }
        public boolean fpnSkips() { return keys.read("model.fpn_skips", fpnSkips); }
        public boolean aspp() { return keys.read("model.aspp", aspp); }
        public boolean pixelShuffle() { return keys.read("model.pixel_shuffle", pixelShuffle); }
        public boolean deepSupervision() { return keys.read("model.deep_supervision", deepSupervision); }
        public boolean classificationHead() { return keys.read("model.classification_head", classificationHead); }
        public boolean attention() { return keys.read("model.attention", attention); }
        public boolean hypercolumn() { return keys.read("model.hypercolumn", hypercolumn); }
        public boolean attentionGate() { return keys.read("model.attention_gate", attentionGate); }
        public boolean cbam() { return keys.read("model.cbam", cbam); }
        public int encoderOutputStride() { return keys.read("model.encoder_output_stride", encoderOutputStride); }
        public String encoderWeights() { return keys.read("model.encoder_weights", encoderWeights); }
        public String weights() { return keys.read("model.weights", weights); }
        public String weightsLayout() { return keys.read("model.weights_layout", weightsLayout); }
        public List<String> variantEncoderWeights() {
            return keys.read("model.variant_encoder_weights", variantEncoderWeights);
        }
    }

    /**
     * Learning-rate schedule (see {@code io.github.hubmapseg.pipeline.schedule}). With {@code one-cycle} the
     * optimizer's momentum (Adam's and Ranger's beta1) cycles 0.95 -> 0.85 -> 0.95 against the rate, as
     * PyTorch's {@code OneCycleLR} with its default {@code cycle_momentum=True}.
     *
     * @param schedule       one-cycle, cosine or constant
     * @param maxLr          peak (or constant) rate (3rd place 1e-4)
     * @param pctStart       one-cycle rising fraction (3rd place 0.2)
     * @param divFactor      one-cycle initial = max / div (3rd place 1e2)
     * @param finalDivFactor one-cycle min = initial / final (PyTorch default 1e4)
     * @param minLr          cosine final rate
     */
    public record Lr(String schedule, double maxLr, double pctStart, double divFactor, double finalDivFactor,
                     double minLr, @JsonIgnore KeyLedger keys) {
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
            keys = keys == null ? KeyLedger.binding() : keys;
        }

        /** A schedule built by hand (not from a recipe file). */
        public Lr(String schedule, double maxLr, double pctStart, double divFactor, double finalDivFactor,
                  double minLr) {
            this(schedule, maxLr, pctStart, divFactor, finalDivFactor, minLr, null);
        }

        public String schedule() { return keys.read("train.lr.schedule", schedule); }
        public double maxLr() { return keys.read("train.lr.max_lr", maxLr); }
        public double pctStart() { return keys.read("train.lr.pct_start", pctStart); }
        public double divFactor() { return keys.read("train.lr.div_factor", divFactor); }
        public double finalDivFactor() { return keys.read("train.lr.final_div_factor", finalDivFactor); }
        public double minLr() { return keys.read("train.lr.min_lr", minLr); }
    }

    /**
     * Optimisation.
     *
     * @param loss                  loss names joined by '+', e.g. "bce", "bce+lovasz", "dice+ce", "bce+jaccard"
     * @param deepSupervisionWeight weight of deep-supervision losses (1st place 0.1)
     * @param optimizer             adam, adamw, sgd or ranger
     * @param weightDecay           weight decay (adamw)
     * @param lr                    learning-rate schedule
     * @param epochs                epochs (3rd place 50)
     * @param batchSize             batch size (3rd place 16)
     * @param gradClipNorm          gradient norm clip, 0 for none (3rd place 1)
     * @param selectBy              checkpoint selection: best-soft-dice, best-dice, best-loss or last
     * @param augment               augmentation preset ({@code Augmentations.PRESETS})
     * @param earlyStopPatience     epochs without improvement before stopping, 0 for never
     * @param seed                  random seed
     * @param initFrom              checkpoint whose weights start the training ("" for a fresh initialisation):
     *                              the tricks article's second stage, the 3rd place's "starting from a previous
     *                              run"; the architecture must be the same
     * @param stages                successive stages of one fold, each from the previous stage's best weights
     *                              (the tricks article: Dice, then Lovász); empty: one stage of {@code loss} for
     *                              {@code epochs}
     */
    public record Train(String loss, double deepSupervisionWeight, String optimizer, double weightDecay, Lr lr,
                        int epochs, int batchSize, double gradClipNorm, String selectBy, String augment,
                        int earlyStopPatience, long seed, String initFrom, List<Stage> stages,
                        @JsonIgnore KeyLedger keys) {
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
            Valid.notNull("train.init_from", initFrom);
            stages = stages == null ? List.of() : List.copyOf(stages);
            keys = keys == null ? KeyLedger.binding() : keys;
        }

        public String loss() { return keys.read("train.loss", loss); }
        public double deepSupervisionWeight() { return keys.read("train.deep_supervision_weight", deepSupervisionWeight); }
        public String optimizer() { return keys.read("train.optimizer", optimizer); }
        public double weightDecay() { return keys.read("train.weight_decay", weightDecay); }
        public int epochs() { return keys.read("train.epochs", epochs); }
        public int batchSize() { return keys.read("train.batch_size", batchSize); }
        public double gradClipNorm() { return keys.read("train.grad_clip_norm", gradClipNorm); }
        public String selectBy() { return keys.read("train.select_by", selectBy); }
        public String augment() { return keys.read("train.augment", augment); }
        public int earlyStopPatience() { return keys.read("train.early_stop_patience", earlyStopPatience); }
        public long seed() { return keys.read("train.seed", seed); }
        public String initFrom() { return keys.read("train.init_from", initFrom); }
        public List<Stage> stages() { return keys.read("train.stages", stages); }
    }

    /**
     * One training stage ({@code train.stages}).
     *
     * @param loss   the stage's loss ({@code train.loss} syntax)
     * @param epochs the stage's epochs, {@code >= 1}
     */
    public record Stage(String loss, int epochs) {
        /** Validates. */
        public Stage {
            Valid.nonEmpty("train.stages[].loss", loss);
            Valid.positive("train.stages[].epochs", epochs);
        }
    }

    /**
     * Cross-validation.
     *
     * @param split            group-kfold-image, group-kfold-patient, one-patient-per-fold, validation-groups,
     *                         stratified, stratified-tiles, kfold or none
     * @param folds            number of folds
     * @param validationGroups per fold, the groups (patients) validated in it (split validation-groups)
     * @param trainFolds       which folds to train (empty: all); the write-ups often trained only some
     * @param seed             seed of random splits
     * @param areaBins         split stratified-tiles: equal-width masked-area bins of the masked grid tiles (the
     *                         empty tiles are one more stratum), crossed with the slide
     * @param groups           split stratified-tiles: none (tiles of a slide on both sides), slide or patient (every
     *                         tile of a group in one fold, StratifiedGroupKFold); refused with any other split
     */
    public record Cv(String split, int folds, List<List<String>> validationGroups, List<Integer> trainFolds, long seed,
                     int areaBins, String groups, @JsonIgnore KeyLedger keys) {
        /** Validates. */
        public Cv {
            Valid.oneOf("cv.split", split, Set.of("group-kfold-image", "group-kfold-patient", "one-patient-per-fold",
                    "validation-groups", "stratified", "stratified-tiles", "kfold", "none"));
            Valid.positive("cv.folds", folds);
            Valid.positive("cv.area_bins", areaBins);
            groups = groups == null ? "none" : groups;
            Valid.oneOf("cv.groups", groups, Set.of("none", "slide", "patient"));
            if (!groups.equals("none") && !split.equals("stratified-tiles")) {
                throw new IllegalArgumentException("cv.groups " + groups + " is read only by cv.split stratified-tiles,"
                        + " got cv.split " + split + " (its folds are of slides or patients already)");
            }
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
            keys = keys == null ? KeyLedger.binding() : keys;
        }

        public String split() { return keys.read("cv.split", split); }
        public int folds() { return keys.read("cv.folds", folds); }
        public List<List<String>> validationGroups() { return keys.read("cv.validation_groups", validationGroups); }
        public List<Integer> trainFolds() { return keys.read("cv.train_folds", trainFolds); }
        public long seed() { return keys.read("cv.seed", seed); }
        public int areaBins() { return keys.read("cv.area_bins", areaBins); }
        public String groups() { return keys.read("cv.groups", groups); }
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
     * @param minComponentArea drop predicted components smaller than this (pixels at full resolution), 0 keeps all
     */
    public record Infer(int tileSize, int reduce, int expansion, int overlap, String blending, List<String> tta,
                        double threshold, boolean searchThreshold, String ensemble, int voteThreshold,
                        int minComponentArea, @JsonIgnore KeyLedger keys) {
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
            Valid.nonNegative("infer.min_component_area", minComponentArea);
            keys = keys == null ? KeyLedger.binding() : keys;
        }

        /** Inference settings built by hand (not from a recipe file). */
        public Infer(int tileSize, int reduce, int expansion, int overlap, String blending, List<String> tta,
                     double threshold, boolean searchThreshold, String ensemble, int voteThreshold,
                     int minComponentArea) {
            this(tileSize, reduce, expansion, overlap, blending, tta, threshold, searchThreshold, ensemble,
                    voteThreshold, minComponentArea, null);
        }

        public int tileSize() { return keys.read("infer.tile_size", tileSize); }
        public int reduce() { return keys.read("infer.reduce", reduce); }
        public int expansion() { return keys.read("infer.expansion", expansion); }
        public int overlap() { return keys.read("infer.overlap", overlap); }
        public String blending() { return keys.read("infer.blending", blending); }
        public List<String> tta() { return keys.read("infer.tta", tta); }
        public double threshold() { return keys.read("infer.threshold", threshold); }
        public boolean searchThreshold() { return keys.read("infer.search_threshold", searchThreshold); }
        public String ensemble() { return keys.read("infer.ensemble", ensemble); }
        public int voteThreshold() { return keys.read("infer.vote_threshold", voteThreshold); }
        public int minComponentArea() { return keys.read("infer.min_component_area", minComponentArea); }
    }

    /**
     * Pseudo-labelling (1st place, team B, 3rd place's hand-label variant): after the first stage, the
     * ensemble predicts the {@code sources} slides; the mask at the ensemble threshold becomes their label,
     * and pixels with {@code negative_threshold < p < positive_threshold} (or, when {@code max_tta_std > 0},
     * a standard deviation over the TTA poses above it) form an uncertain region. The write-ups do not say
     * how uncertain pixels were handled; the losses here take no per-pixel mask, so training tiles whose
     * uncertain share exceeds {@code max_uncertain_fraction} are not sampled. A second stage then trains
     * every fold again ({@code epochs} epochs; from scratch, or with {@code init: stage1} from the fold's
     * stage-1 best weights) on its training slides plus the pseudo-labelled ones. {@code hand_labels} (3rd
     * place) gives some of those slides a person's masks instead of their pseudo-labels; {@code stage1} takes
     * the first stage from an earlier run instead of training it.
     *
     * @param enabled              run the second stage
     * @param positiveThreshold    pixels with {@code p >= it} are confident foreground
     * @param negativeThreshold    pixels with {@code p <= it} are confident background (in between: uncertain)
     * @param epochs               second-stage epochs (3rd place 25)
     * @param sources              what is pseudo-labelled: test, external ({@code external/} slides) or
     *                             test+external
     * @param maxTtaStd            pixels whose std over TTA poses exceeds it are uncertain too; 0 for off
     * @param maxUncertainFraction training tiles with a larger uncertain share are not sampled
     * @param handLabels           CSV {@code id,encoding} (full-resolution Kaggle RLE) of pseudo-label sources whose
     *                             second-stage masks are these instead of their pseudo-labels, with no uncertain
     *                             region (3rd place's hand labels of d488c759a); "" for none
     * @param init                 how the second stage starts: {@code scratch} or {@code stage1} (each fold from
     *                             its stage-1 best weights and input normalisation; 3rd place "starting from a
     *                             previous run")
     * @param stage1               an earlier run's ensemble file ({@code ensemble.json} or
     *                             {@code ensemble-stage1.json}, with that run's {@code folds.json} beside it) that is
     *                             the first stage instead of training one; "" to train it
     */
    public record Pseudo(boolean enabled, double positiveThreshold, double negativeThreshold, int epochs, String sources,
                         double maxTtaStd, double maxUncertainFraction, String handLabels, String init, String stage1,
                         @JsonIgnore KeyLedger keys) {
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
            Valid.notNull("pseudo.hand_labels", handLabels);
            Valid.oneOf("pseudo.init", init, Set.of("scratch", "stage1"));
            Valid.notNull("pseudo.stage1", stage1);
            keys = keys == null ? KeyLedger.binding() : keys;
        }

        public boolean enabled() { return keys.read("pseudo.enabled", enabled); }
        public double positiveThreshold() { return keys.read("pseudo.positive_threshold", positiveThreshold); }
        public double negativeThreshold() { return keys.read("pseudo.negative_threshold", negativeThreshold); }
        public int epochs() { return keys.read("pseudo.epochs", epochs); }
        public String sources() { return keys.read("pseudo.sources", sources); }
        public double maxTtaStd() { return keys.read("pseudo.max_tta_std", maxTtaStd); }
        public double maxUncertainFraction() { return keys.read("pseudo.max_uncertain_fraction", maxUncertainFraction); }
        public String handLabels() { return keys.read("pseudo.hand_labels", handLabels); }
        public String init() { return keys.read("pseudo.init", init); }
        public String stage1() { return keys.read("pseudo.stage1", stage1); }
    }

    /**
     * The stages the write-ups put around the model at inference ({@code io.github.hubmapseg.tiling.post}); each is
     * off at its default.
     *
     * @param tissueFilter    10th place ("pre-filtering of empty tiles", iafoss's kernel): windows without more
     *                        than {@code 1000 (T/256)^2} pixels of HSV saturation above this value get probability 0
     *                        without a model call; iafoss's threshold is 40; 0 for off
     * @param crf             team B: DenseCRF on the probabilities (pydensecrf's usual kernels, 5 mean-field
     *                        iterations) per overlapping patch at {@code infer.reduce}; the mask is its MAP label
     * @param crfPatch        CRF patch side in level-0 pixels (team B: 2560, scaled to 1280)
     * @param crfOverlap      CRF patch overlap in level-0 pixels (team B: 512)
     * @param energyThreshold 10th place: predicted components whose mean energy score {@code -log(1 - p)} is below
     *                        it are dropped; 0 for off
     * @param otsuBelow       10th place (validation only): a slide whose mask has fewer level-0 pixels than this is
     *                        thresholded at Otsu's threshold of its probabilities (10,000 at reduce 2 = 40,000); 0 for
     *                        off
     */
    public record Post(int tissueFilter, boolean crf, int crfPatch, int crfOverlap, double energyThreshold,
                       int otsuBelow, @JsonIgnore KeyLedger keys) {
        /** Validates. */
        public Post {
            Valid.nonNegative("post.tissue_filter", tissueFilter);
            if (tissueFilter > 255) {
                throw new IllegalArgumentException("post.tissue_filter must be in 0..255 (0 = off), got " + tissueFilter);
            }
            Valid.positive("post.crf_patch", crfPatch);
            Valid.nonNegative("post.crf_overlap", crfOverlap);
            if (crfOverlap >= crfPatch) {
                throw new IllegalArgumentException("post.crf_overlap must be < post.crf_patch=" + crfPatch + ", got "
                        + crfOverlap);
            }
            Valid.nonNegative("post.energy_threshold", energyThreshold);
            Valid.nonNegative("post.otsu_below", otsuBelow);
            keys = keys == null ? KeyLedger.binding() : keys;
        }

        public int tissueFilter() { return keys.read("post.tissue_filter", tissueFilter); }
        public boolean crf() { return keys.read("post.crf", crf); }
        public int crfPatch() { return keys.read("post.crf_patch", crfPatch); }
        public int crfOverlap() { return keys.read("post.crf_overlap", crfOverlap); }
        public double energyThreshold() { return keys.read("post.energy_threshold", energyThreshold); }
        public int otsuBelow() { return keys.read("post.otsu_below", otsuBelow); }
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
