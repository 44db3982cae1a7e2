package io.github.hubmapseg.pipeline.train;

import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.augment.Augmentations;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.Batch;
import io.github.hubmapseg.pipeline.data.BatchLoader;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.data.SlideTile;
import io.github.hubmapseg.pipeline.data.TrainingTiles;
import io.github.hubmapseg.pipeline.plot.LineChart;
import io.github.hubmapseg.pipeline.schedule.LrSchedule;
import io.github.hubmapseg.pipeline.schedule.LrSchedules;
import io.github.hubmapseg.pipeline.schedule.OneCycleLr;
import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.core.io.FolderLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains one fold of a recipe: the model from {@link ModelFactory}, the recipe's loss ({@code SegLossLayer}),
 * optimizer and learning-rate schedule (set before every step), global gradient-norm clipping
 * ({@link GradientClipping}), training tiles from {@link TrainingTiles} loaded in background threads, validation
 * soft and hard Dice per epoch on the grid tiles of the validation slides, checkpoints and early stopping.
 * <p>Run directory ({@code runDir}): {@code last.zip} (resumable: model, optimizer state, epoch, recipe) after
 * every epoch, {@code best.zip} (the epoch best by {@code train.select_by}), {@code recipe.yaml},
 * {@code metrics.csv}, {@code loss.png}, {@code dice.png}. If {@code last.zip} exists when {@link #train} starts,
 * training resumes after its epoch (same data order, schedule and optimizer state as an uninterrupted run).
 * <p>The run directory is locked ({@link FolderLock}) while training: a second trainer of the same directory fails
 * at once naming the first. A resume whose recipe differs from the checkpoint's in a key other than
 * {@link #RESUMABLE} (e.g. {@code model.base_channels}) is refused, listing the differing keys, unless
 * {@link Builder#forceNew} starts the fold over.
 */
public final class Trainer {
    private final Recipe recipe;
    private final CompetitionDataset dataset;
    private final List<String> trainIds;
    private final List<String> valIds;
    private final Path runDir;
    private final int fold;
    private final TrainListener listener;
    private final int threads;
    private final int stopAfter;
    private final java.util.Set<String> trainTiles;
    private final java.util.Set<String> valTiles;
    private final boolean forceNew;
    private final Normalization normalization;

    private Trainer(Builder b) {
        this.recipe = b.recipe;
        this.dataset = b.dataset;
        this.trainIds = List.copyOf(b.trainIds);
        this.valIds = List.copyOf(b.valIds);
        this.runDir = b.runDir;
        this.fold = b.fold;
        this.listener = b.listener;
        this.threads = b.threads;
        this.stopAfter = b.stopAfter;
        this.trainTiles = b.trainTiles;
        this.valTiles = b.valTiles;
        this.forceNew = b.forceNew;
        this.normalization = b.normalization;
    }

    /**
     * Keys a resumed run may change (they do not change what the finished epochs computed): the descriptive
     * keys, {@code train.epochs} (train longer or shorter; a one-cycle or cosine schedule is then stretched from
     * the resumed step on), {@code train.early_stop_patience}, which folds are trained, and everything of
     * inference; {@code pseudo.epochs} is the second stage's {@code train.epochs}. A key ending in {@code .*}
     * covers its section.
     */
    public static final List<String> RESUMABLE = List.of("name", "description", "source", "notes", "train.epochs",
            "train.early_stop_patience", "cv.train_folds", "infer.*", "pseudo.epochs");

    /**
     * The keys whose change refuses a resume: {@link Recipes#differences} less {@link #RESUMABLE}.
     *
     * @param trained the recipe of the checkpoint
     * @param now     the recipe of this call
     * @return the differences that matter, empty when the run may resume
     */
    public static List<Recipes.Difference> resumeConflicts(Recipe trained, Recipe now) {
        List<Recipes.Difference> out = new ArrayList<>();
        for (Recipes.Difference d : Recipes.differences(trained, now)) {
            boolean allowed = false;
            for (String k : RESUMABLE) {
                allowed |= k.endsWith(".*") ? d.key().startsWith(k.substring(0, k.length() - 1)) : d.key().equals(k);
            }
            if (!allowed) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * @param recipe   the recipe
     * @param dataset  the competition folder
     * @param trainIds training slides (with masks)
     * @param valIds   validation slides (with masks; may be empty: then the last epoch is kept as best)
     * @param runDir   the fold's run directory (created)
     * @return a builder
     */
    public static Builder builder(Recipe recipe, CompetitionDataset dataset, List<String> trainIds,
                                  List<String> valIds, Path runDir) {
        return new Builder(recipe, dataset, trainIds, valIds, runDir);
    }

    /** Result of {@link #train}. */
    public record Result(Path best, Path last, List<EpochMetrics> history, int bestEpoch, double bestScore,
                         boolean stoppedEarly, Normalization normalization) {
    }

    /**
     * The normalisation a recipe asks for, measured on the training slides for {@code mean-std}.
     *
     * @throws IOException if a slide cannot be read
     */
    public static Normalization normalization(Recipe recipe, CompetitionDataset dataset, List<String> ids)
            throws IOException {
        return switch (recipe.data().normalize()) {
            case "imagenet" -> Normalization.imagenet();
            case "scale-255" -> Normalization.scale255(dataset.slide(ids.get(0)).channels());
            default -> {
                List<ImageSource> s = new ArrayList<>();
                for (String id : ids) {
                    s.add(dataset.slide(id));
                }
                yield Normalization.measure(s, 512);
            }
        };
    }

    /**
     * The recipe's learning-rate schedule over {@code totalSteps} steps (a one-cycle schedule with too few
     * steps for its warm-up becomes a cosine decay from {@code max_lr}; a run of a single step uses
     * {@code max_lr}).
     *
     * @return the schedule
     */
    public static LrSchedule schedule(Recipe.Lr lr, long totalSteps) {
        if (totalSteps < 2 && !"constant".equals(lr.schedule())) {
            return LrSchedules.constant(lr.maxLr()); // a decay needs two steps
        }
        return switch (lr.schedule()) {
            case "one-cycle" -> totalSteps * lr.pctStart() > 1.5 && totalSteps * (1 - lr.pctStart()) > 1.5
                    ? new OneCycleLr(lr.maxLr(), totalSteps, lr.pctStart(), lr.divFactor(), lr.finalDivFactor(), true,
                            false, 0.85, 0.95)
                    // too few steps for the warm-up phase (tiny test runs): cosine from the peak
                    : LrSchedules.cosine(lr.maxLr(), lr.maxLr() / lr.divFactor() / lr.finalDivFactor(),
                            Math.max(1, totalSteps));
            case "cosine" -> LrSchedules.cosine(lr.maxLr(), lr.minLr(), totalSteps);
            default -> LrSchedules.constant(lr.maxLr());
        };
    }

    /**
     * Starts a model from a checkpoint's weights ({@code train.init_from}): every parameter, batch-norm running
     * statistics included, is copied; the optimizer state starts fresh.
     *
     * @param model      a model built from the recipe
     * @param checkpoint a checkpoint of the same architecture
     * @throws IOException              if the checkpoint cannot be read
     * @throws IllegalArgumentException naming the file and both parameter counts when the architectures differ
     */
    public static void initialise(SegmentationModel model, Path checkpoint) throws IOException {
        if (!Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("train.init_from: no checkpoint at " + checkpoint);
        }
        try (SegmentationModel src = Checkpoint.load(checkpoint).restore()) {
            INDArray p = src.graph().params();
            long n = model.graph().numParams();
            if (p.length() != n) {
                throw new IllegalArgumentException("train.init_from: " + checkpoint + " holds " + p.length()
                        + " parameters, the recipe's model has " + n + " (another architecture or encoder)");
            }
            model.graph().setParams(p.dup());
        }
    }

    /**
     * Sets the momentum of a one-cycle step on every layer's optimizer: Adam's (and AdamW's) and Ranger's beta1,
     * as PyTorch's {@code OneCycleLR} sets {@code betas[0]} when {@code cycle_momentum} is on. Plain SGD has no
     * momentum and is left alone; {@code NaN} (schedules without momentum) leaves every optimizer alone. Call it
     * before {@code setLearningRate}, which rebuilds the updaters from these configurations.
     *
     * @param g        the graph
     * @param momentum beta1 for the next step, or {@code NaN}
     */
    public static void setMomentum(ComputationGraph g, double momentum) {
        if (Double.isNaN(momentum)) {
            return;
        }
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer bl) {
                setBeta1(bl.getIUpdater(), momentum);
                if (bl.getBiasUpdater() != null) {
                    setBeta1(bl.getBiasUpdater(), momentum);
                }
            }
        }
    }

    private static void setBeta1(org.nd4j.linalg.learning.config.IUpdater u, double beta1) {
        if (u instanceof org.nd4j.linalg.learning.config.Adam a) {
            a.setBeta1(beta1);
        } else if (u instanceof Ranger r) {
            r.setBeta1(beta1);
        }
    }

    /**
     * Reads, without a dataset or a model, every recipe key a fresh {@link #train} reads (model options and
     * pretraining via {@link ModelFactory}, normalisation, the sampling of {@link TrainingTiles#settings}, batch,
     * epochs, the schedule, clipping, selection, early stopping, {@code train.init_from}): the training part of a
     * dry pass over a recipe ({@code RecipeCheck}) before anything is trained. {@code ShippedRecipesTest} checks
     * that it reads what a run reads.
     *
     * @param recipe the recipe of one fold (one variant, one stage)
     * @throws IllegalArgumentException for an inconsistent model, a missing weight file or an unknown preset
     */
    public static void readSettings(Recipe recipe) {
        Recipe.Train t = recipe.train();
        t.initFrom();
        ModelFactory.checkPretraining(recipe);
        ModelFactory.builder(recipe);
        if (t.optimizer().equals("adamw")) {
            t.weightDecay(); // ModelFactory.create
        }
        if (recipe.model().hasWeights()) {
            recipe.model().weightsLayout(); // ModelFactory.createForTraining
        }
        recipe.data().normalize();
        TrainingTiles.settings(recipe);
        recipe.data().tileSize();
        recipe.data().reduce();
        t.batchSize();
        t.epochs();
        schedule(t.lr(), 1_000_000);
        t.gradClipNorm();
        t.selectBy();
        t.earlyStopPatience();
    }

    /**
     * Trains (or resumes) the fold.
     *
     * @return where the checkpoints are and the metrics
     * @throws IOException if data cannot be read or outputs written
     */
    public Result train() throws IOException {
        try (FolderLock lock = FolderLock.acquire(runDir, "training of fold " + fold)) {
            return trainLocked();
        }
    }

    private Result trainLocked() throws IOException {
        Path lastFile = runDir.resolve("last.zip");
        Path bestFile = runDir.resolve("best.zip");
        Recipe.Train t = recipe.train();
        String initFrom = t.initFrom();
        Normalization norm;
        SegmentationModel model;
        List<EpochMetrics> history = new ArrayList<>();
        int startEpoch = 0;
        long iteration = 0;
        double bestScore = Double.NaN;
        int bestEpoch = 0;
        if (forceNew) {
            Files.deleteIfExists(lastFile); // a new run: the old checkpoints would mix into its results
            Files.deleteIfExists(bestFile);
        }
        if (Files.exists(lastFile)) {
            Checkpoint c = Checkpoint.load(lastFile);
            List<Recipes.Difference> conflicts = resumeConflicts(c.recipe(), recipe);
            if (!conflicts.isEmpty()) {
                throw new IllegalArgumentException(lastFile + " was trained with another recipe; differing keys "
                        + "(run -> now): " + String.join(", ", conflicts.stream().map(Object::toString).toList())
                        + "; resume with the run's recipe (" + runDir.resolve("recipe.yaml") + ") or start over with "
                        + "--force-new (keys that may change on resume: " + String.join(", ", RESUMABLE) + ")");
            }
            // the checkpoint's model and normalisation are the ones these settings made (any change was refused
            // above): they are read here as a fresh start reads them, so a resumed run leaves no key unread
            readSettings(recipe);
            model = c.restore();
            norm = c.normalization();
            history.addAll(c.history());
            startEpoch = c.epochsDone();
            iteration = c.iteration();
            bestScore = c.bestScore();
            bestEpoch = c.bestEpoch();
        } else {
            ModelFactory.checkPretraining(recipe);
            // the recipe's data.normalize, pretrained or not: the write-ups chose it with their weights (1st place
            // ImageNet statistics, 3rd place the data's mean/std), and a key the run does not read would be silent
            if (normalization != null) {
                recipe.data().normalize(); // a continued model brings its own; the key still decides a fresh one
                norm = normalization;
            } else {
                norm = normalization(recipe, dataset, trainIds);
            }
            model = ModelFactory.createForTraining(recipe);
            if (!initFrom.isEmpty()) {
                initialise(model, Path.of(initFrom));
            }
        }
        Recipes.save(recipe, runDir.resolve("recipe.yaml"));
        Recipe.Data d = recipe.data();
        TrainingTiles tiles = TrainingTiles.forTraining(dataset, trainIds, recipe, norm, trainTiles);
        TrainingTiles val = valIds.isEmpty() ? null
                : TrainingTiles.builder(dataset, valIds, d.tileSize(), d.reduce()).normalization(norm).only(valTiles)
                .build();
        List<SlideTile> valTiles = val == null ? List.of() : val.gridTiles();
        int stepsPerEpoch = (tiles.epochSize() + t.batchSize() - 1) / t.batchSize();
        LrSchedule schedule = schedule(t.lr(), (long) stepsPerEpoch * t.epochs());
        ComputationGraph g = model.graph();
        if (t.gradClipNorm() > 0) {
            g.setListeners(new GradientClipping(t.gradClipNorm()));
        }
        boolean stopped = false;
        int ran = 0;
        try {
            int patience = startEpoch - bestEpoch; // epochs since the best one (0 when starting fresh)
            for (int e = startEpoch; e < t.epochs(); e++) {
                if (stopAfter > 0 && ran >= stopAfter) {
                    break;
                }
                long t0 = System.nanoTime();
                double lossSum = 0;
                int steps = 0;
                double lr = Double.NaN;
                try (BatchLoader loader = tiles.batches(e, t.batchSize(), threads, 2 * threads)) {
                    int n = loader.batchCount();
                    while (loader.hasNext()) {
                        Batch b = loader.next();
                        lr = schedule.lr(iteration);
                        setMomentum(g, schedule.momentum(iteration));
                        g.setLearningRate(lr);
                        INDArray x = Nd4j.create(b.images(), new long[] {b.size(), b.height(), b.width(), b.channels()},
                                'c');
                        INDArray y = Nd4j.create(b.masks(), new long[] {b.size(), b.height(), b.width(), 1}, 'c');
                        double loss = model.fit(x, y);
                        iteration++;
                        steps++;
                        lossSum += loss;
                        listener.step(e + 1, steps, n, loss);
                    }
                }
                double[] v = val == null ? new double[] {Double.NaN, Double.NaN, Double.NaN}
                        : validate(model, val, valTiles, t.batchSize());
                EpochMetrics m = new EpochMetrics(e + 1, lossSum / Math.max(1, steps), v[0], v[1], v[2], lr,
                        (System.nanoTime() - t0) / 1e9);
                history.add(m);
                double score = score(m, t.selectBy());
                boolean best = Double.isNaN(bestScore) || Double.isNaN(score) || score > bestScore;
                if (best) {
                    bestScore = score;
                    bestEpoch = e + 1;
                    patience = 0;
                    Checkpoint.of(recipe, e + 1, iteration, norm, history, bestScore, bestEpoch, model, false)
                            .save(bestFile);
                } else {
                    patience++;
                }
                Checkpoint.of(recipe, e + 1, iteration, norm, history, bestScore, bestEpoch, model, true).save(lastFile);
                writeMetrics(history);
                listener.epoch(fold, m, best);
                ran++;
                if (t.earlyStopPatience() > 0 && patience >= t.earlyStopPatience()) {
                    stopped = true;
                    break;
                }
            }
        } finally {
            model.close();
        }
        return new Result(bestFile, lastFile, history, bestEpoch, bestScore, stopped, norm);
    }

    private static double score(EpochMetrics m, String selectBy) {
        return switch (selectBy) {
            case "best-soft-dice" -> m.softDice();
            case "best-dice" -> m.hardDice();
            case "best-loss" -> -m.valLoss();
            default -> m.epoch(); // "last": every epoch is better than the previous
        };
    }

    /** @return {val BCE, soft Dice, hard Dice} pooled over the tiles */
    private double[] validate(SegmentationModel model, TrainingTiles val, List<SlideTile> tiles, int batchSize) {
        double inter = 0;
        double psum = 0;
        double tsum = 0;
        long hi = 0;
        long hp = 0;
        double bce = 0;
        long px = 0;
        try (BatchLoader loader = val.plainBatches(tiles, batchSize, threads, 2 * threads)) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                INDArray x = Nd4j.create(b.images(), new long[] {b.size(), b.height(), b.width(), b.channels()}, 'c');
                float[] p = model.logits(x).data().asFloat();
                float[] y = b.masks();
                for (int i = 0; i < p.length; i++) {
                    double pi = p[i];
                    double yi = y[i];
                    inter += pi * yi;
                    psum += pi;
                    tsum += yi;
                    if (pi >= 0.5) {
                        hp++;
                        if (yi > 0.5) {
                            hi++;
                        }
                    }
                    double pc = Math.min(1 - 1e-7, Math.max(1e-7, pi));
                    bce -= yi * Math.log(pc) + (1 - yi) * Math.log(1 - pc);
                }
                px += p.length;
            }
        }
        double soft = psum + tsum == 0 ? 1 : 2 * inter / (psum + tsum);
        double hard = hp + tsum == 0 ? 1 : 2.0 * hi / (hp + tsum);
        return new double[] {bce / Math.max(1, px), soft, hard};
    }

    private void writeMetrics(List<EpochMetrics> history) throws IOException {
        StringBuilder sb = new StringBuilder("epoch,train_loss,val_loss,soft_dice,hard_dice,lr,seconds\n");
        double[] x = new double[history.size()];
        double[] tl = new double[x.length];
        double[] vl = new double[x.length];
        double[] sd = new double[x.length];
        double[] hd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            EpochMetrics m = history.get(i);
            sb.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.3e,%.2f%n", m.epoch(), m.trainLoss(),
                    m.valLoss(), m.softDice(), m.hardDice(), m.lr(), m.seconds()));
            x[i] = m.epoch();
            tl[i] = m.trainLoss();
            vl[i] = m.valLoss();
            sd[i] = m.softDice();
            hd[i] = m.hardDice();
        }
        AtomicFiles.writeString(runDir.resolve("metrics.csv"), sb.toString());
        LineChart.builder("Loss, fold " + fold).xLabel("epoch").yLabel("loss").series("train", x, tl)
                .series("validation BCE", x, vl).build().writePng(runDir.resolve("loss.png"), 640, 400);
        LineChart.builder("Validation Dice, fold " + fold).xLabel("epoch").yLabel("Dice").series("soft", x, sd)
                .series("hard (p >= 0.5)", x, hd).build().writePng(runDir.resolve("dice.png"), 640, 400);
    }

    /** Options of a {@link Trainer}. */
    public static final class Builder {
        private final Recipe recipe;
        private final CompetitionDataset dataset;
        private final List<String> trainIds;
        private final List<String> valIds;
        private final Path runDir;
        private int fold;
        private TrainListener listener = TrainListener.NONE;
        private int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private int stopAfter;
        private java.util.Set<String> trainTiles;
        private java.util.Set<String> valTiles;
        private boolean forceNew;
        private Normalization normalization;

        private Builder(Recipe recipe, CompetitionDataset dataset, List<String> trainIds, List<String> valIds,
                        Path runDir) {
            this.recipe = Objects.requireNonNull(recipe, "recipe");
            this.dataset = Objects.requireNonNull(dataset, "dataset");
            this.trainIds = List.copyOf(trainIds);
            this.valIds = List.copyOf(valIds);
            this.runDir = Objects.requireNonNull(runDir, "runDir");
        }

        /** @param f fold number (labels only; default 0) @return this */
        public Builder fold(int f) {
            this.fold = f;
            return this;
        }

        /**
         * Tile-level folds ({@code cv.split: stratified-tiles}): trains on these grid tiles of the training slides and
         * validates on those of the validation slides ({@link TrainingTiles#tileId} ids; null: every tile).
         *
         * @param train training tiles, or null
         * @param val   validation tiles, or null
         * @return this
         */
        public Builder tileFold(java.util.Set<String> train, java.util.Set<String> val) {
            this.trainTiles = train == null ? null : java.util.Set.copyOf(train);
            this.valTiles = val == null ? null : java.util.Set.copyOf(val);
            return this;
        }

        /** @param l progress listener @return this */
        public Builder listener(TrainListener l) {
            this.listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        /** @param n data loader threads (default min(4, processors)) @return this */
        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        /**
         * Stops after this many epochs of this call (as if interrupted; the checkpoint allows resuming);
         * 0 = run to the recipe's epoch count (default).
         *
         * @param epochs epochs to run in this call
         * @return this
         */
        public Builder stopAfter(int epochs) {
            this.stopAfter = epochs;
            return this;
        }

        /**
         * @param b start over even when the run directory holds a checkpoint: {@code last.zip} and {@code best.zip}
         *          are deleted (default false: resume, refusing a checkpoint of another recipe)
         * @return this
         */
        public Builder forceNew(boolean b) {
            this.forceNew = b;
            return this;
        }

        /**
         * The input normalisation of a fresh start instead of the recipe's {@code data.normalize} measured on the
         * training slides: a model continued from a checkpoint ({@code train.init_from}) keeps the normalisation it
         * was trained with (pseudo-label stage 2 with {@code pseudo.init: stage1}). A resumed run uses its
         * checkpoint's.
         *
         * @param n the normalisation, or null for the recipe's (default)
         * @return this
         */
        public Builder normalization(Normalization n) {
            this.normalization = n;
            return this;
        }

        /** @return the trainer */
        public Trainer build() {
            if (trainIds.isEmpty()) {
                throw new IllegalArgumentException("trainIds must not be empty");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            if (stopAfter < 0) {
                throw new IllegalArgumentException("stopAfter must be >= 0, got " + stopAfter);
            }
            for (String id : trainIds) {
                if (!dataset.hasMask(id)) {
                    throw new IllegalArgumentException("training slide '" + id + "' has no mask");
                }
            }
            return new Trainer(this);
        }
    }
}
