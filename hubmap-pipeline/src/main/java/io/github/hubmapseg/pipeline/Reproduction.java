package io.github.hubmapseg.pipeline;

import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.metrics.TestScores;
import io.github.hubmapseg.core.synth.SynthProfile;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.folds.FoldAssignment;
import io.github.hubmapseg.pipeline.folds.FoldItem;
import io.github.hubmapseg.pipeline.folds.Folds;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.pipeline.infer.Inference;
import io.github.hubmapseg.models.ModelPredictor;
import io.github.hubmapseg.pipeline.infer.ModelPredictors;
import io.github.hubmapseg.core.geom.GeoJsonOptions;
import io.github.hubmapseg.pipeline.infer.Overlays;
import io.github.hubmapseg.pipeline.infer.PolygonOutput;
import io.github.hubmapseg.pipeline.report.RunReport;
import io.github.hubmapseg.pipeline.pseudo.PseudoLabeler;
import io.github.hubmapseg.pipeline.pseudo.PseudoLabels;
import io.github.hubmapseg.pipeline.threshold.ThresholdGrid;
import io.github.hubmapseg.pipeline.threshold.ThresholdSearch;
import io.github.hubmapseg.pipeline.threshold.ThresholdTable;
import io.github.hubmapseg.pipeline.train.EpochMetrics;
import io.github.hubmapseg.pipeline.train.TrainListener;
import io.github.hubmapseg.pipeline.train.Trainer;
import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.core.io.FolderLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The whole Kaggle reproduction as one library call (what {@code hubmap reproduce} runs): optionally generate a
 * synthetic competition folder, make the recipe's folds (saved as {@code folds.json}), train every fold
 * ({@link Trainer}; resumes from {@code last.zip} if a previous run was interrupted), predict the validation
 * slides out of fold and search the threshold ({@code threshold.csv}, {@code threshold.png}), save the
 * ensemble ({@code ensemble.json}, with its threshold), predict the test slides into {@code submission.csv},
 * score it against the test truth when the folder has one, draw overlays and write {@code report.txt}.
 * <p>Output folder layout: {@code data/} (synthetic data, when generated), {@code fold-N/} (checkpoints,
 * metrics, curves), {@code recipe.yaml}, {@code folds.json}, {@code threshold.csv/.png}, {@code ensemble.json},
 * {@code submission.csv}, {@code geojson/<id>.geojson} (predicted glomeruli, same pass), {@code overlays/<id>.png},
 * {@code report.txt}, {@code run.json} and the HTML report {@code report/index.html} ({@link RunReport}).
 * The output folder is locked while the run writes it ({@link FolderLock}): a second reproduction into it fails
 * at once naming the first.
 * <p>With {@code pseudo.enabled} (1st place, team B) a second stage follows the first stage's threshold
 * search: the stage-1 ensemble ({@code ensemble-stage1.json}) pseudo-labels the {@code pseudo.sources} slides
 * ({@code pseudo/pseudo_labels.csv}, {@code pseudo/pseudo_uncertain.csv}; {@link PseudoLabeler}), every fold
 * is trained again for {@code pseudo.epochs} epochs on its training slides plus the pseudo-labelled ones
 * ({@code stage2/fold-N}; tiles mostly in the uncertain region are not sampled), the threshold is searched
 * again ({@code stage2/threshold.csv}) and the stage-2 ensemble predicts the test slides.
 */
public final class Reproduction {
    private final Path data;
    private final Recipe recipe;
    private final Path out;
    private final int synthSlides;
    private final int synthSize;
    private final int synthPatients;
    private final long synthSeed;
    private final SynthProfile synthProfile;
    private final int synthTestSlides;
    private final int threads;
    private final boolean overlays;
    private final boolean report;
    private final Consumer<String> log;
    private final TrainListener trainListener;
    private final boolean forceNew;

    private Reproduction(Builder b) {
        this.data = b.data;
        this.recipe = b.recipe;
        this.out = b.out;
        this.synthSlides = b.synthSlides;
        this.synthSize = b.synthSize;
        this.synthPatients = b.synthPatients;
        this.synthSeed = b.synthSeed;
        this.synthProfile = b.synthProfile;
        this.synthTestSlides = b.synthTestSlides;
        this.threads = b.threads;
        this.overlays = b.overlays;
        this.report = b.report;
        this.log = b.log;
        this.trainListener = b.trainListener;
        this.forceNew = b.forceNew;
    }

    /**
     * @param out the output folder
     * @return a builder with defaults: synthetic data of the hard profile (16 slides of 4096 x 4096, 8 of them test
     *     slides), the {@code cpu-quick} recipe
     */
    public static Builder builder(Path out) {
        return new Builder(out);
    }

    /**
     * What a reproduction produced.
     *
     * @param out         output folder
     * @param dataDir     the competition folder used
     * @param submission  the submission file
     * @param ensemble    the ensemble file
     * @param threshold   threshold used for the test masks
     * @param diceBySlide Dice per scored test slide (empty when there is no truth)
     * @param meanDice    mean of {@code diceBySlide} ({@code NaN} when empty)
     * @param oofDice     out-of-fold mean Dice at the threshold ({@code NaN} without validation)
     * @param seconds     wall time per stage, in order
     * @param folds       per fold, the metrics history (of the second stage when pseudo-labelling ran)
     * @param pseudoSlides slides pseudo-labelled for a second stage (0 when {@code pseudo.enabled} is false)
     * @param stage1OofDice out-of-fold Dice of the first stage when a second stage ran, else {@code NaN}
     * @param scores      intervals and detection figures of the test slides ({@code null} when there is no truth)
     * @param foldLabels  how {@link #text} names each entry of {@code folds} ({@code fold 0}, {@code member 1 fold 0},
     *                    ...)
     */
    public record Report(Path out, Path dataDir, Path submission, Path ensemble, double threshold,
                         Map<String, Double> diceBySlide, double meanDice, double oofDice,
                         Map<String, Double> seconds, List<List<EpochMetrics>> folds, int pseudoSlides,
                         double stage1OofDice, TestScores scores, List<String> foldLabels) {
        /** @return the human-readable report */
        public String text() {
            StringBuilder sb = new StringBuilder();
            sb.append("hubmap reproduce: ").append(dataDir).append('\n');
            for (int f = 0; f < folds.size(); f++) {
                List<EpochMetrics> h = folds.get(f);
                if (!h.isEmpty()) {
                    EpochMetrics best = h.stream().filter(m -> !Double.isNaN(m.softDice()))
                            .max((a, b) -> Double.compare(a.softDice(), b.softDice())).orElse(h.get(h.size() - 1));
                    String label = foldLabels != null && foldLabels.size() == folds.size() ? foldLabels.get(f)
                            : "fold " + f;
                    sb.append(String.format(Locale.ROOT, "%s: %d epochs, best epoch %d, val soft Dice %.4f, "
                            + "hard Dice %.4f%n", label, h.size(), best.epoch(), best.softDice(), best.hardDice()));
                }
            }
            if (pseudoSlides > 0) {
                sb.append(String.format(Locale.ROOT, "second stage with %d pseudo-labelled slides (pseudo/); stage-1 "
                        + "out-of-fold Dice %.4f; folds above and below are stage 2%n", pseudoSlides, stage1OofDice));
            }
            if (!Double.isNaN(oofDice)) {
                sb.append(String.format(Locale.ROOT, "out-of-fold Dice %.4f at threshold %.2f%n", oofDice, threshold));
            } else {
                sb.append(String.format(Locale.ROOT, "threshold %.2f%n", threshold));
            }
            for (Map.Entry<String, Double> e : diceBySlide.entrySet()) {
                sb.append(String.format(Locale.ROOT, "test %s: Dice %.4f%n", e.getKey(), e.getValue()));
            }
            if (scores != null) {
                sb.append(scores.text());
            } else if (!diceBySlide.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "mean test Dice: %.4f%n", meanDice));
            }
            double total = 0;
            for (Map.Entry<String, Double> e : seconds.entrySet()) {
                sb.append(String.format(Locale.ROOT, "time %-10s %7.1f s%n", e.getKey(), e.getValue()));
                total += e.getValue();
            }
            sb.append(String.format(Locale.ROOT, "time %-10s %7.1f s%n", "total", total));
            sb.append("submission: ").append(submission).append('\n');
            sb.append("ensemble:   ").append(ensemble).append('\n');
            sb.append("run folder: ").append(out).append(" (fold-N/metrics.csv, loss.png, dice.png, under member-<i>/ or "
                    + "variant-<i>-<encoder>/ when the recipe trains several; threshold.csv, threshold.png; overlays/)\n");
            return sb.toString();
        }
    }

    /**
     * The folds of a recipe over a dataset's training slides.
     *
     * @param recipe  the recipe ({@code cv})
     * @param dataset the dataset
     * @return the assignment ({@code k = 1} with every slide always training for {@code cv.split: none}; of grid
     *     tiles for {@code stratified-tiles}, see {@link TileFolds})
     * @throws IOException if a slide or mask cannot be read (tile-level folds)
     */
    public static FoldAssignment folds(Recipe recipe, CompetitionDataset dataset) throws IOException {
        return foldPlan(recipe).apply(dataset);
    }

    /**
     * Reads the {@code cv} keys the recipe's split uses, without a dataset ({@code cv.split}; {@code folds} and
     * {@code seed} for the k-fold splits, {@code validation_groups} and {@code folds} for validation groups,
     * {@code train_folds} for all but {@code none}).
     *
     * @param recipe the recipe
     * @return what {@link #folds} makes of a dataset
     */
    public static FoldPlan foldPlan(Recipe recipe) {
        Recipe.Cv cv = recipe.cv();
        String split = cv.split();
        return switch (split) {
            case "group-kfold-image", "group-kfold-patient", "stratified", "kfold" ->
                    new FoldPlan(split, cv.folds(), List.of(), cv.seed(), cv.trainFolds(), 0, 0, 0, "none");
            case "one-patient-per-fold" -> new FoldPlan(split, 0, List.of(), 0, cv.trainFolds(), 0, 0, 0, "none");
            case "validation-groups" ->
                    new FoldPlan(split, cv.folds(), cv.validationGroups(), 0, cv.trainFolds(), 0, 0, 0, "none");
            case TileFolds.METHOD -> {
                Recipe.Data d = recipe.data();
                String sampling = d.sampling();
                if (!sampling.equals("grid") && !sampling.equals("balanced")) {
                    throw new IllegalArgumentException("cv.split stratified-tiles makes folds of grid tiles, so it"
                            + " needs data.sampling grid or balanced, got '" + sampling + "'");
                }
                String groups = cv.groups(); // with groups the deal is deterministic (no shuffle): cv.seed unread
                yield new FoldPlan(split, cv.folds(), List.of(), groups.equals("none") ? cv.seed() : 0, cv.trainFolds(),
                        d.tileSize(), d.reduce(), cv.areaBins(), groups);
            }
            default -> new FoldPlan(split, 1, List.of(), 0, cv.trainFolds(), 0, 0, 0, "none");
        };
    }

    /**
     * The cross-validation a recipe asks for, read from its {@code cv} keys ({@link #foldPlan}).
     *
     * @param split            {@code cv.split}
     * @param folds            {@code cv.folds} where the split uses it
     * @param validationGroups {@code cv.validation_groups} for {@code validation-groups}
     * @param seed             {@code cv.seed} for the shuffled splits
     * @param trainFolds       {@code cv.train_folds} (empty: all)
     * @param tile             {@code data.tile_size} for tile-level folds ({@link TileFolds}), else 0
     * @param reduce           {@code data.reduce} for tile-level folds, else 0
     * @param areaBins         {@code cv.area_bins} for tile-level folds, else 0
     * @param groups           {@code cv.groups} for tile-level folds (none, slide or patient), else none
     */
    public record FoldPlan(String split, int folds, List<List<String>> validationGroups, long seed,
                           List<Integer> trainFolds, int tile, int reduce, int areaBins, String groups) {

        /** Copies. */
        public FoldPlan {
            validationGroups = List.copyOf(validationGroups);
            trainFolds = List.copyOf(trainFolds);
        }

        /**
         * @param dataset the dataset
         * @return the assignment of its training slides ({@code k = 1}, every slide always training, for
         *     {@code cv.split: none}; of their grid tiles for {@code stratified-tiles})
         * @throws IOException if a slide or mask cannot be read (tile-level folds)
         */
        public FoldAssignment apply(CompetitionDataset dataset) throws IOException {
            List<String> ids = dataset.trainIds();
            if (split.equals(TileFolds.METHOD)) {
                return TileFolds.stratified(dataset, ids, tile, reduce, areaBins, folds, seed,
                        TileFolds.Grouping.of(groups));
            }
            boolean byPatient = !split.equals("group-kfold-image") && !split.equals("kfold")
                    && !split.equals("stratified");
            List<FoldItem> items = dataset.foldItems(ids, byPatient);
            return switch (split) {
                case "group-kfold-image", "group-kfold-patient" -> Folds.groupKFold(items, folds);
                case "one-patient-per-fold" -> Folds.onePerGroup(items);
                case "validation-groups" -> {
                    FoldAssignment a = Folds.byValidationGroups(items, validationGroups);
                    if (a.k() != folds) {
                        throw new IllegalArgumentException("cv.folds=" + folds + " but cv.validation_groups makes "
                                + a.k() + " folds");
                    }
                    yield a;
                }
                case "stratified" -> Folds.stratifiedKFold(items, folds, seed);
                case "kfold" -> Folds.kFold(items, folds, seed);
                default -> {
                    List<FoldAssignment.Entry> e = new ArrayList<>();
                    for (FoldItem i : items) {
                        e.add(new FoldAssignment.Entry(i.id(), i.group(), i.label(), FoldAssignment.ALWAYS_TRAIN));
                    }
                    yield new FoldAssignment(FoldAssignment.NONE, 1, 0, e);
                }
            };
        }
    }

    /**
     * The slides a recipe pseudo-labels ({@code pseudo.sources}): the test slides, the {@code external/} slides,
     * or both.
     *
     * @throws IOException if the external folder cannot be listed
     */
    public static List<String> pseudoIds(Recipe recipe, CompetitionDataset ds) throws IOException {
        String src = recipe.pseudo().sources();
        List<String> ids = new ArrayList<>();
        if (src.contains("test")) {
            ids.addAll(ds.testIds());
        }
        if (src.contains("external")) {
            ids.addAll(ds.externalIds());
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("pseudo.sources=" + src + " but " + ds.dir() + " has no such slides "
                    + "(test/ from sample_submission.csv, unlabelled slides in external/)");
        }
        return ids;
    }

    /** @return the second-stage recipe: {@code train.epochs = pseudo.epochs} */
    public static Recipe stage2(Recipe recipe) {
        return Recipes.withOverrides(recipe, List.of("train.epochs=" + recipe.pseudo().epochs()));
    }

    /** @return the folds the recipe trains ({@code cv.train_folds}, or all) */
    public static List<Integer> trainedFolds(Recipe recipe, FoldAssignment folds) {
        List<Integer> tf = recipe.cv().trainFolds();
        if (!tf.isEmpty()) {
            for (int f : tf) {
                if (f < 0 || f >= folds.k()) {
                    throw new IllegalArgumentException("cv.train_folds entry " + f + " is not a fold 0.." + (folds.k() - 1));
                }
            }
            return tf;
        }
        List<Integer> all = new ArrayList<>();
        for (int f = 0; f < folds.k(); f++) {
            all.add(f);
        }
        return all;
    }

    /**
     * Runs everything.
     *
     * @return the report (also written to {@code report.txt})
     * @throws IOException on read or write failure
     */
    public Report run() throws IOException {
        RecipeCheck.beforeRun(recipe, "hubmap reproduce"); // before any slide is generated or epoch trained
        io.github.hubmapseg.pipeline.train.ModelFactory.checkPretraining(recipe); // before any slide is generated
        try (FolderLock lock = FolderLock.acquire(out, "hubmap reproduce")) {
            lock.takenOver().ifPresent(h -> log.accept("took over the lock of " + h.describe() + ", which ended "
                    + "without releasing it"));
            return runLocked();
        }
    }

    private Report runLocked() throws IOException {
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        Path dataDir = data;
        if (dataDir == null) {
            dataDir = out.resolve("data");
            if (!Files.exists(dataDir.resolve("train.csv"))) {
                log.accept(String.format(Locale.ROOT, "generating %d synthetic slides (%s) of %dx%d in %s", synthSlides,
                        synthProfile.id(), synthSize, synthSize, dataDir));
                SyntheticDataset.Builder sb = SyntheticDataset.builder(dataDir).slides(synthSlides)
                        .size(synthSize, synthSize).patients(synthPatients).seed(synthSeed).profile(synthProfile);
                if (synthTestSlides >= 0) {
                    sb.testSlides(synthTestSlides);
                }
                sb.build().write(new SyntheticDataset.Listener() {
                });
            } else {
                log.accept("reusing synthetic data in " + dataDir);
            }
            seconds.put("synth", lap(t0));
        }
        Recipes.save(recipe, out.resolve("recipe.yaml"));
        try (CompetitionDataset ds = CompetitionDataset.open(dataDir)) {
            long t = System.nanoTime();
            FoldAssignment folds = folds(recipe, ds);
            Folds.save(folds, out.resolve("folds.json"));
            List<Integer> trained = trainedFolds(recipe, folds);
            List<Trainer.Result> results = trainFolds(recipe, ds, folds, out, List.of(), threads, log, trainListener,
                    forceNew);
            List<Recipe.Infer> settings = checkpointSettings(runs(recipe, out), recipe, trained.size());
            List<List<EpochMetrics>> histories = new ArrayList<>();
            List<Path> members = new ArrayList<>();
            for (Trainer.Result r : results) {
                histories.add(r.history());
                members.add(r.best());
            }
            seconds.put("train", lap(t));
            t = System.nanoTime();
            Recipe.Infer inf = recipe.infer();
            double threshold = inf.threshold();
            double oof = Double.NaN;
            boolean searched = false;
            if (folds.k() > 1 && !TileFolds.isTileLevel(folds)) { // tile folds have no whole validation slide
                ThresholdTable table = outOfFold(recipe, settings, ds, folds, trained, members, out);
                ThresholdTable.Best best = table.best(ThresholdTable.Mode.MEAN_OVER_IMAGES);
                if (inf.searchThreshold()) {
                    threshold = best.threshold();
                    oof = best.dice();
                    searched = true;
                } else {
                    oof = table.meanDice()[nearest(table.thresholds(), threshold)];
                }
                log.accept(String.format(Locale.ROOT, "out-of-fold Dice %.4f at threshold %.2f", oof, threshold));
                seconds.put("oof", lap(t));
            }
            Ensemble ensemble = ensemble(members, settings, threshold, searched, oof);
            double stage1Oof = Double.NaN;
            int pseudoCount = 0;
            if (recipe.pseudo().enabled()) {
                stage1Oof = oof;
                ensemble.save(out.resolve("ensemble-stage1.json"));
                t = System.nanoTime();
                List<String> pids = pseudoIds(recipe, ds);
                pseudoCount = pids.size();
                Path pdir = out.resolve("pseudo");
                log.accept("pseudo-labelling " + pids + " with the stage-1 ensemble (threshold "
                        + String.format(Locale.ROOT, "%.2f", threshold) + ")");
                List<ModelPredictor> ps1 = ensemble.open();
                try {
                    PseudoLabeler.of(recipe, threshold).write(ds, pids, ps1, pdir, log);
                } finally {
                    ps1.forEach(ModelPredictor::close);
                }
                seconds.put("pseudo", lap(t));
                t = System.nanoTime();
                Recipe r2 = stage2(recipe);
                try (CompetitionDataset ds2 = ds.withPseudoLabels(PseudoLabels.load(pdir,
                        recipe.pseudo().maxUncertainFraction()))) {
                    List<Trainer.Result> results2 = trainFolds(r2, ds2, folds, out.resolve("stage2"), pids, threads,
                            s -> log.accept("stage 2, " + s), trainListener, forceNew);
                    histories.clear();
                    members.clear();
                    for (Trainer.Result r : results2) {
                        histories.add(r.history());
                        members.add(r.best());
                    }
                    seconds.put("train2", lap(t));
                    if (folds.k() > 1 && !TileFolds.isTileLevel(folds)) {
                        t = System.nanoTime();
                        ThresholdTable table = outOfFold(r2, ds2, folds, trained, members, out.resolve("stage2"));
                        ThresholdTable.Best best = table.best(ThresholdTable.Mode.MEAN_OVER_IMAGES);
                        if (inf.searchThreshold()) {
                            threshold = best.threshold();
                            oof = best.dice();
                        } else {
                            oof = table.meanDice()[nearest(table.thresholds(), threshold)];
                        }
                        log.accept(String.format(Locale.ROOT, "stage 2 out-of-fold Dice %.4f at threshold %.2f", oof,
                                threshold));
                        seconds.put("oof2", lap(t));
                    }
                }
                ensemble = new Ensemble(members, threshold, searched, oof);
            }
            Path ensembleFile = out.resolve("ensemble.json");
            ensemble.save(ensembleFile);
            t = System.nanoTime();
            Path submission = out.resolve("submission.csv");
            Map<String, RleRuns> pred;
            List<ModelPredictor> ps = ensemble.open();
            try {
                log.accept("predicting " + ds.testIds().size() + " test slides with " + ps.size() + " models");
                pred = new Inference(settings, null, inf, threshold, null).withPost(post(recipe), log)
                        .writeSubmission(ds, ds.testIds(), ps, submission,
                        new PolygonOutput(out.resolve("geojson"), GeoJsonOptions.DEFAULT, PolygonOutput.DEFAULT_SIMPLIFY));
            } finally {
                ps.forEach(ModelPredictor::close);
            }
            seconds.put("predict", lap(t));
            Map<String, Double> dice = new LinkedHashMap<>();
            Map<String, RleRuns> scored = new LinkedHashMap<>();
            Map<String, RleRuns> truths = new LinkedHashMap<>();
            Map<String, Map<String, RleRuns>> looks = new LinkedHashMap<>();
            for (String id : ds.testIds()) {
                if (ds.hasMask(id)) {
                    RleRuns truth = ds.mask(id);
                    dice.put(id, Dice.dice(pred.get(id), truth));
                    scored.put(id, pred.get(id));
                    truths.put(id, truth);
                    looks.put(id, SyntheticDataset.lookalikes(dataDir, id, truth.height(), truth.width()));
                }
                if (overlays) {
                    Overlays.write(ds.slide(id), ds.hasMask(id) ? ds.mask(id) : null, pred.get(id), 1024,
                            out.resolve("overlays").resolve(id + ".png"));
                }
            }
            double mean = dice.isEmpty() ? Double.NaN
                    : Dice.mean(dice.values().stream().mapToDouble(Double::doubleValue).toArray());
            TestScores scores = scored.isEmpty() ? null : TestScores.of(scored, truths, looks);
            List<String> labels = new ArrayList<>();
            for (Run run : runs(recipe, out)) {
                for (int f : trained) {
                    labels.add((run.label().isEmpty() ? "" : run.label() + " ") + "fold " + f);
                }
            }
            Report rep = new Report(out, dataDir, submission, ensembleFile, threshold, dice, mean, oof, seconds,
                    histories, pseudoCount, stage1Oof, scores, labels);
            AtomicFiles.writeString(out.resolve("report.txt"), rep.text());
            writeRunJson(rep);
            if (report) {
                Path index = RunReport.builder(out).data(dataDir).log(log).build().write();
                log.accept("report: " + index);
            }
            Recipes.requireConsumed(recipe, "hubmap reproduce");
            return rep;
        }
    }

    /** {@code run.json}: what the HTML report reads (data folder, threshold, Dice, seconds per stage). */
    private static void writeRunJson(Report rep) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode n = m.createObjectNode();
        n.put("data", rep.dataDir().toAbsolutePath().normalize().toString());
        n.put("threshold", rep.threshold());
        if (!Double.isNaN(rep.oofDice())) {
            n.put("oof_dice", rep.oofDice());
        }
        com.fasterxml.jackson.databind.node.ObjectNode d = n.putObject("dice");
        rep.diceBySlide().forEach(d::put);
        com.fasterxml.jackson.databind.node.ObjectNode sec = n.putObject("seconds");
        rep.seconds().forEach(sec::put);
        AtomicFiles.writeString(rep.out().resolve("run.json"),
                m.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }

    /**
     * Refuses settings that contradict each other before anything is trained: {@code model.variants} with
     * {@code model.encoder}, {@code train.stages} with {@code train.loss}, {@code epochs}, {@code init_from} or
     * pseudo-labels.
     *
     * @param recipe the recipe
     * @throws IllegalArgumentException naming the keys
     */
    public static void checkTraining(Recipe recipe) {
        if (!recipe.members().isEmpty()) {
            if (!recipe.model().variants().isEmpty()) {
                throw new IllegalArgumentException("recipe '" + recipe.name() + "' sets members and model.variants: "
                        + "give each backbone as a member instead (members: [{model.encoder: A}, {model.encoder: B}])");
            }
            if (recipe.pseudo().enabled()) {
                throw new IllegalArgumentException("recipe '" + recipe.name() + "': members with pseudo.enabled is not "
                        + "supported (the second stage would retrain every member; not done yet)");
            }
        }
        if (!recipe.model().variants().isEmpty() && recipe.keys().declared().contains("model.encoder")) {
            throw new IllegalArgumentException("recipe '" + recipe.name() + "' sets model.variants and model.encoder:"
                    + " the variants are the encoders (e.g. model.variants=[tiny] for one)");
        }
        if (!recipe.train().stages().isEmpty()) {
            for (String k : List.of("train.loss", "train.epochs", "train.init_from")) {
                if (recipe.keys().declared().contains(k)) {
                    throw new IllegalArgumentException("recipe '" + recipe.name() + "' sets train.stages and " + k
                            + ": the stages give each stage's loss and epochs (and start from the previous stage)");
                }
            }
            if (recipe.pseudo().enabled()) {
                throw new IllegalArgumentException("recipe '" + recipe.name() + "': train.stages with pseudo.enabled"
                        + " is not supported (the second stage's pseudo.epochs would not apply to the stages)");
            }
        }
    }

    /**
     * Trains the recipe's folds, each in {@code out/fold-N} (resuming where a {@code last.zip} exists). With
     * {@code model.variants} (3rd place: two backbones) every fold is trained once per encoder, in
     * {@code out/variant-<i>-<encoder>/fold-N} ({@code i} from 1), variant after variant. With {@code train.stages}
     * each fold runs its stages in {@code fold-N/stage-K}, each from the previous stage's best weights; the last
     * stage's result is the fold's.
     *
     * @return one result per trained fold and variant: variant-major, folds in {@link #trainedFolds} order
     * @throws IOException on read or write failure
     */
    public static List<Trainer.Result> trainFolds(Recipe recipe, CompetitionDataset ds, FoldAssignment folds, Path out,
                                                  int threads, Consumer<String> log, TrainListener listener)
            throws IOException {
        return trainFolds(recipe, ds, folds, out, threads, log, listener, false);
    }

    /**
     * {@link #trainFolds(Recipe, CompetitionDataset, FoldAssignment, Path, int, Consumer, TrainListener)} that
     * starts every fold over when {@code forceNew} ({@link Trainer.Builder#forceNew}) instead of resuming.
     *
     * @return one result per trained fold and variant
     * @throws IOException on read or write failure
     */
    public static List<Trainer.Result> trainFolds(Recipe recipe, CompetitionDataset ds, FoldAssignment folds, Path out,
                                                  int threads, Consumer<String> log, TrainListener listener,
                                                  boolean forceNew) throws IOException {
        checkTraining(recipe);
        return trainFolds(recipe, ds, folds, out, List.of(), threads, log, listener, forceNew);
    }

    private static List<Trainer.Result> trainFolds(Recipe recipe, CompetitionDataset ds, FoldAssignment folds, Path out,
                                                   List<String> extraTrainIds, int threads, Consumer<String> log,
                                                   TrainListener listener, boolean forceNew) throws IOException {
        List<Trainer.Result> results = new ArrayList<>();
        List<Run> runs = runs(recipe, out);
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            for (int f : trainedFolds(recipe, folds)) {
                TileFolds.Fold fo = TileFolds.fold(folds, ds.trainIds(), f);
                List<String> trainIds = new ArrayList<>(fo.trainIds());
                trainIds.addAll(extraTrainIds);
                List<String> valIds = fo.valIds();
                String label = run.label().isEmpty() ? "" : run.label() + ", ";
                if (fo.trainTiles() != null) {
                    log.accept(String.format(Locale.ROOT, "%sfold %d: training on %d tiles of %s, validating on %d",
                            label, f, fo.trainTiles().size(), trainIds, fo.valTiles().size()));
                } else {
                    log.accept(String.format(Locale.ROOT, "%sfold %d: training on %s, validating on %s", label, f,
                            trainIds, valIds));
                }
                Path foldDir = run.dir().resolve("fold-" + f);
                List<Recipe.Stage> stages = run.recipe().train().stages();
                java.util.Set<String> trainTiles = fo.trainTiles();
                java.util.Set<String> valTiles = fo.valTiles();
                if (stages.isEmpty()) {
                    results.add(Trainer.builder(run.recipe(), ds, trainIds, valIds, foldDir).fold(f)
                            .tileFold(trainTiles, valTiles).forceNew(forceNew).threads(threads).listener(listener)
                            .build().train());
                    continue;
                }
                Trainer.Result last = null;
                for (int k = 0; k < stages.size(); k++) {
                    Recipe.Stage st = stages.get(k);
                    List<String> o = new ArrayList<>(List.of("train.loss=" + st.loss(), "train.epochs=" + st.epochs()));
                    if (last != null) {
                        o.add("train.init_from=" + last.best().toAbsolutePath());
                    }
                    log.accept(String.format(Locale.ROOT, "fold %d stage %d: %s for %d epochs%s", f, k + 1, st.loss(),
                            st.epochs(), last == null ? "" : ", from stage " + k + "'s best weights"));
                    last = Trainer.builder(Recipes.withOverrides(run.recipe(), o), ds, trainIds, valIds,
                            foldDir.resolve("stage-" + (k + 1))).fold(f).tileFold(trainTiles, valTiles)
                            .forceNew(forceNew).threads(threads).listener(listener).build().train();
                }
                results.add(last);
            }
        }
        return results;
    }

    /**
     * One kind of member a recipe trains: every trained fold of it goes to {@code dir/fold-N}.
     *
     * @param recipe the member's recipe (the recipe itself, a {@code model.variants} backbone or a {@code members}
     *               entry, {@link Recipes#member})
     * @param dir    its folder: the run folder, {@code variant-<i>-<encoder>} or {@code member-<i>}
     * @param label  how the log names it ({@code ""} for the recipe itself)
     */
    public record Run(Recipe recipe, Path dir, String label) {
    }

    /**
     * The kinds of member a recipe trains, in order: its {@code members} (each in {@code out/member-<i>}, {@code i}
     * from 0), else its {@code model.variants} (each in {@code out/variant-<i>-<encoder>}, {@code i} from 1), else
     * the recipe itself in {@code out}.
     *
     * @param recipe the recipe ({@link #checkTraining} refuses members with variants)
     * @param out    the run folder
     * @return one run per kind of member
     */
    public static List<Run> runs(Recipe recipe, Path out) {
        List<Run> runs = new ArrayList<>();
        List<java.util.Map<String, Object>> members = recipe.members();
        List<String> variants = recipe.model().variants();
        if (!members.isEmpty()) {
            for (int i = 0; i < members.size(); i++) {
                List<String> kv = new ArrayList<>();
                members.get(i).forEach((k, v) -> kv.add(k + "=" + v));
                runs.add(new Run(Recipes.member(recipe, i), out.resolve("member-" + i),
                        "member " + i + " (" + (kv.isEmpty() ? "the recipe's settings" : String.join(", ", kv))
                                + ")"));
            }
        } else if (!variants.isEmpty()) {
            for (int i = 0; i < variants.size(); i++) {
                runs.add(new Run(io.github.hubmapseg.pipeline.train.ModelFactory.variant(recipe, i),
                        out.resolve("variant-" + (i + 1) + "-" + variants.get(i)), variants.get(i)));
            }
        } else {
            runs.add(new Run(recipe, out, ""));
        }
        return runs;
    }

    /**
     * The inference settings of each checkpoint of {@link #trainFolds}'s results: its member's own ({@code infer}
     * of the member's recipe) with {@code members}, else {@code null} (every checkpoint uses the recipe's).
     *
     * @param perRun checkpoints per run (the trained folds)
     */
    public static List<Recipe.Infer> checkpointSettings(List<Run> runs, Recipe recipe, int perRun) {
        if (recipe.members().isEmpty()) {
            return null;
        }
        List<Recipe.Infer> s = new ArrayList<>();
        for (Run r : runs) {
            Recipe.Infer f = r.recipe().infer();
            for (int k = 0; k < perRun; k++) {
                s.add(f);
            }
        }
        return s;
    }

    /**
     * The ensemble of a run's trained checkpoints: with {@code members}, every entry names its member's own scale,
     * tile, expansion, overlap, blending and TTA (ensemble.json v2); else entries without settings of their own.
     *
     * @param settings {@link #checkpointSettings}, or {@code null}
     */
    public static Ensemble ensemble(List<Path> checkpoints, List<Recipe.Infer> settings, double threshold,
                                    boolean searched, double oof) {
        if (settings == null) {
            return new Ensemble(checkpoints, threshold, searched, oof);
        }
        List<Ensemble.Member> entries = new ArrayList<>();
        for (int i = 0; i < checkpoints.size(); i++) {
            Recipe.Infer f = settings.get(i);
            java.util.Map<String, Object> m = new LinkedHashMap<>();
            m.put("reduce", f.reduce());
            m.put("tile_size", f.tileSize());
            m.put("expansion", f.expansion());
            m.put("overlap", f.overlap());
            m.put("blending", f.blending());
            m.put("tta", f.tta());
            entries.add(new Ensemble.Member(checkpoints.get(i), m, 1.0));
        }
        return new Ensemble(entries, null, threshold, searched, oof);
    }

    /**
     * The post-processing of a recipe's test predictions ({@code post}); the CRF runs at the inference scale of the
     * recipe, or of its first member.
     */
    public static io.github.hubmapseg.tiling.post.PostProcessing post(Recipe recipe) {
        int reduce = recipe.members().isEmpty() ? recipe.infer().reduce() : Recipes.member(recipe, 0).infer().reduce();
        return Inference.post(recipe.post(), reduce);
    }

    /**
     * Out-of-fold threshold search: each trained fold's model predicts its validation slides (whole slides, the
     * recipe's inference settings), Dice vs threshold is tabulated per slide and written to
     * {@code out/threshold.csv} and {@code out/threshold.png}.
     *
     * @param trained the trained folds
     * @param members their checkpoints: {@code trained.size()} per variant, variant-major (member {@code i} belongs
     *                to fold {@code trained.get(i % trained.size())}); a fold's members predict together
     * @return the table
     * @throws IOException on read or write failure
     */
    public static ThresholdTable outOfFold(Recipe recipe, CompetitionDataset ds, FoldAssignment folds,
                                           List<Integer> trained, List<Path> members, Path out) throws IOException {
        return outOfFold(recipe, null, ds, folds, trained, members, out);
    }

    /**
     * {@link #outOfFold(Recipe, CompetitionDataset, FoldAssignment, List, List, Path)} with each checkpoint's own
     * inference settings ({@link #checkpointSettings}, or {@code null} for the recipe's): a fold's members predict
     * its validation slides together, each at its own scale and tile, combined as the test predictions are.
     *
     * @return the table
     * @throws IOException on read or write failure
     */
    public static ThresholdTable outOfFold(Recipe recipe, List<Recipe.Infer> settings, CompetitionDataset ds,
                                           FoldAssignment folds, List<Integer> trained, List<Path> members, Path out)
            throws IOException {
        if (TileFolds.isTileLevel(folds)) {
            throw new IllegalArgumentException("the out-of-fold threshold search predicts whole validation slides;"
                    + " tile-level folds (cv.split stratified-tiles) have none: set infer.threshold instead");
        }
        ThresholdSearch search = new ThresholdSearch(ThresholdGrid.linear(0.05, 0.95, 0.05));
        if (trained.isEmpty() || members.size() % trained.size() != 0) {
            throw new IllegalArgumentException(members.size() + " checkpoints for " + trained.size() + " folds");
        }
        for (int i = 0; i < trained.size(); i++) {
            int f = trained.get(i);
            List<ModelPredictor> ps = new ArrayList<>();
            List<Recipe.Infer> own = settings == null ? null : new ArrayList<>();
            try {
                for (int m = i; m < members.size(); m += trained.size()) {
                    ps.add(ModelPredictors.load(members.get(m)));
                    if (own != null) {
                        own.add(settings.get(m));
                    }
                }
                Inference oofInference = new Inference(own, null, recipe.infer(), recipe.infer().threshold(), null);
                for (String id : folds.validationIds(f)) {
                    oofInference.addOutOfFold(search, ds, id, ps);
                }
            } finally {
                ps.forEach(ModelPredictor::close);
            }
        }
        if (search.imageCount() == 0) {
            throw new IllegalArgumentException("no validation slides to search a threshold on");
        }
        ThresholdTable table = search.result();
        Files.createDirectories(out);
        table.writeCsv(out.resolve("threshold.csv"));
        table.writePng(out.resolve("threshold.png"));
        return table;
    }

    private static int nearest(double[] grid, double v) {
        int k = 0;
        for (int i = 1; i < grid.length; i++) {
            if (Math.abs(grid[i] - v) < Math.abs(grid[k] - v)) {
                k = i;
            }
        }
        return k;
    }

    private static double lap(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Options of a {@link Reproduction}. */
    public static final class Builder {
        private final Path out;
        private Path data;
        private Recipe recipe = Recipes.defaultRecipe();
        private int synthSlides = 16;
        private int synthSize = 4096;
        private int synthPatients = 4;
        private long synthSeed = 42;
        private SynthProfile synthProfile = SynthProfile.HARD;
        private int synthTestSlides = 8;
        private int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private boolean overlays = true;
        private boolean report = true;
        private Consumer<String> log = s -> { };
        private TrainListener trainListener = TrainListener.NONE;
        private boolean forceNew;

        private Builder(Path out) {
            this.out = Objects.requireNonNull(out, "out");
        }

        /** @param dir a competition folder; {@code null} (default) generates synthetic data @return this */
        public Builder data(Path dir) {
            this.data = dir;
            return this;
        }

        /** @param r the recipe (default cpu-quick) @return this */
        public Builder recipe(Recipe r) {
            this.recipe = Objects.requireNonNull(r, "recipe");
            return this;
        }

        /**
         * Synthetic data options (used without {@link #data}).
         *
         * @param slides   slides, train and test (default 16: 8 train, 8 test)
         * @param size     side of each square slide in pixels (default 4096)
         * @param patients patients (default 4)
         * @param seed     seed (default 42)
         * @return this
         */
        public Builder synthetic(int slides, int size, int patients, long seed) {
            this.synthSlides = slides;
            this.synthSize = size;
            this.synthPatients = patients;
            this.synthSeed = seed;
            return this;
        }

        /**
         * @param profile synthetic profile (default hard)
         * @param testSlides test slides among the synthetic ones (default 8; -1: a quarter)
         * @return this
         */
        public Builder syntheticProfile(SynthProfile profile, int testSlides) {
            this.synthProfile = Objects.requireNonNull(profile, "profile");
            this.synthTestSlides = testSlides;
            return this;
        }

        /** @param n data loader threads @return this */
        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        /** @param b write the HTML report {@code report/index.html} at the end (default true) @return this */
        public Builder report(boolean b) {
            this.report = b;
            return this;
        }

        /** @param b write overlay PNGs of the test slides (default true) @return this */
        public Builder overlays(boolean b) {
            this.overlays = b;
            return this;
        }

        /** @param l receives one-line progress messages @return this */
        public Builder log(Consumer<String> l) {
            this.log = Objects.requireNonNull(l, "log");
            return this;
        }

        /** @param l training progress @return this */
        public Builder trainListener(TrainListener l) {
            this.trainListener = Objects.requireNonNull(l, "trainListener");
            return this;
        }

        /**
         * @param b train every fold from scratch even where a checkpoint of an earlier run exists (default false:
         *          resume it, refusing one of another recipe; see {@link Trainer.Builder#forceNew})
         * @return this
         */
        public Builder forceNew(boolean b) {
            this.forceNew = b;
            return this;
        }

        /** @return the reproduction */
        public Reproduction build() {
            if (synthSlides < 3) {
                throw new IllegalArgumentException("synthetic slides must be >= 3 (train folds + a test slide), got "
                        + synthSlides);
            }
            if (synthTestSlides >= synthSlides) {
                throw new IllegalArgumentException("synthetic test slides (" + synthTestSlides + ") must leave at least "
                        + "two training slides of " + synthSlides);
            }
            if (synthSize < 64) {
                throw new IllegalArgumentException("synthetic slide size must be >= 64, got " + synthSize);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            return new Reproduction(this);
        }
    }
}
