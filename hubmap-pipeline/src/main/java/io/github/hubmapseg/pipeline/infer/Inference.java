package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.core.geom.GeoJsonOptions;
import io.github.hubmapseg.core.geom.GeoJsonWriter;
import io.github.hubmapseg.core.kaggle.SubmissionWriter;
import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.threshold.ThresholdSearch;
import io.github.hubmapseg.tiling.Combination;
import io.github.hubmapseg.tiling.D4;
import io.github.hubmapseg.tiling.Engine;
import io.github.hubmapseg.tiling.Member;
import io.github.hubmapseg.tiling.Predictors;
import io.github.hubmapseg.tiling.ProgressListener;
import io.github.hubmapseg.tiling.Weighting;
import io.github.hubmapseg.tiling.post.PostProcessing;
import io.github.hubmapseg.tiling.sink.MaskRowSink;
import io.github.hubmapseg.tiling.sink.PolygonSink;
import io.github.hubmapseg.tiling.sink.RleMaskSink;
import io.github.hubmapseg.tiling.sink.RowSink;
import io.github.hubmapseg.tiling.sink.RowSinks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Whole-slide inference as recipes describe it: each member of the ensemble with ITS OWN {@code infer} settings
 * (its scale {@code infer.reduce}, {@code infer.tile_size}, {@code infer.expansion}, {@code infer.overlap},
 * {@code infer.blending}, {@code infer.tta}; see {@link #member}), all members in one streaming pass of the
 * {@link Engine}, combined per level-0 pixel (mean weighted by the members' weights, or a k-of-n vote, from the
 * ensemble-level {@code infer.ensemble} and {@code infer.vote_threshold}), then the mask stage (threshold,
 * components below {@code infer.min_component_area} level-0 pixels removed) and every output of the slide from
 * that one pass: RLE runs, GeoJSON polygons, a probability OME-TIFF. No full-resolution map is ever held.
 */
public final class Inference {
    private final List<Recipe.Infer> members;
    private final double[] weights;
    private final Recipe.Infer ensemble;
    private final double threshold;
    private final ProgressListener progress;
    private PostProcessing post = PostProcessing.NONE;
    private Consumer<String> postLog = m -> { };

    /**
     * Every member with the same settings (one recipe; e.g. the folds of one run).
     *
     * @param infer     the members' and the ensemble's settings
     * @param threshold the mask threshold to use (e.g. the ensemble's searched one)
     * @param progress  window progress per slide, or {@code null}
     */
    public Inference(Recipe.Infer infer, double threshold, ProgressListener progress) {
        this(null, null, infer, threshold, progress);
    }

    /**
     * Members with their own settings.
     *
     * @param members   each member's effective settings ({@link Ensemble#settings}), in the order of the
     *                  predictors passed later; {@code null}: every member uses {@code ensemble}
     * @param weights   the members' weights, or {@code null} for equal weights
     * @param ensemble  the ensemble-level settings: {@code infer.ensemble}, {@code infer.vote_threshold},
     *                  {@code infer.min_component_area}
     * @param threshold the mask threshold
     * @param progress  window progress per slide, or {@code null}
     */
    public Inference(List<Recipe.Infer> members, double[] weights, Recipe.Infer ensemble, double threshold,
                     ProgressListener progress) {
        this.ensemble = Objects.requireNonNull(ensemble, "ensemble settings");
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        this.members = members == null ? null : List.copyOf(members);
        if (weights != null && (members == null || weights.length != members.size())) {
            throw new IllegalArgumentException("weights need one per member settings");
        }
        this.weights = weights == null ? null : weights.clone();
        this.threshold = threshold;
        this.progress = progress == null ? ProgressListener.none() : progress;
    }

    /** @return the mask threshold */
    public double threshold() {
        return threshold;
    }

    /**
     * The same inference with the write-ups' stages around the model ({@link PostProcessing}: empty-window filter,
     * DenseCRF, Otsu fallback, energy filter) applied by {@link #predictSlide}; {@code log} gets one line per slide
     * saying what they did.
     */
    public Inference withPost(PostProcessing stages, Consumer<String> log) {
        Inference i = new Inference(members, weights, ensemble, threshold, progress);
        i.post = Objects.requireNonNull(stages, "post");
        i.postLog = log == null ? m -> { } : log;
        return i;
    }

    /**
     * The same inference (post-processing included) reporting each slide's window progress to {@code listener}
     * instead: one loaded ensemble can serve many slides, each with its own progress target.
     */
    public Inference withProgress(ProgressListener listener) {
        Inference i = new Inference(members, weights, ensemble, threshold, listener);
        i.post = post;
        i.postLog = postLog;
        return i;
    }

    /**
     * A recipe's {@code post} section as {@link PostProcessing}, the CRF at the inference resolution
     * {@code reduce} (team B ran it on the model's input scale); the CRF geometry keys are read only when
     * {@code post.crf} is on.
     */
    public static PostProcessing post(Recipe.Post p, int reduce) {
        boolean crf = p.crf();
        return new PostProcessing(p.tissueFilter(), crf, reduce, crf ? p.crfPatch() : PostProcessing.NONE.crfPatch(),
                crf ? p.crfOverlap() : PostProcessing.NONE.crfOverlap(), p.energyThreshold(), p.otsuBelow());
    }

    /** The engine of the recipe's own settings with one placeholder member: checks and reads the infer keys. */
    public Engine engine() {
        return engine(List.of(new Predictor() {
            @Override
            public int inputChannels() {
                return 3;
            }

            @Override
            public io.github.hubmapseg.core.predict.TileBatch predict(io.github.hubmapseg.core.predict.TileBatch t) {
                throw new UnsupportedOperationException("placeholder");
            }
        }));
    }

    /** The engine's member for a predictor with these settings. */
    public static Member member(Predictor p, Recipe.Infer infer, double weight) {
        int tile = infer.tileSize();
        if (infer.overlap() >= tile) {
            throw new IllegalArgumentException("infer.overlap must be < infer.tile_size " + tile + ", got "
                    + infer.overlap());
        }
        return new Member(Predictors.at(p, infer.reduce(), infer.expansion()), tile, infer.overlap(),
                infer.blending().equals("gaussian") ? Weighting.gaussian() : Weighting.mean(),
                List.of(D4.named(infer.tta())), weight);
    }

    /** @return the combination of the ensemble-level settings */
    public Combination combination() {
        return ensemble.ensemble().equals("vote") ? Combination.vote(Math.max(1, ensemble.voteThreshold()), threshold)
                : Combination.mean();
    }

    /** @return the threshold of the mask stage ({@link Combination#maskThreshold}) */
    public double maskThreshold() {
        return combination().maskThreshold(threshold);
    }

    /** @return the engine for these predictors, one member each */
    public Engine engine(List<? extends Predictor> predictors) {
        if (predictors == null || predictors.isEmpty()) {
            throw new IllegalArgumentException("at least one predictor is required");
        }
        if (members != null && members.size() != predictors.size()) {
            throw new IllegalArgumentException(predictors.size() + " predictors for " + members.size()
                    + " member settings");
        }
        List<Member> ms = new ArrayList<>();
        for (int i = 0; i < predictors.size(); i++) {
            ms.add(member(predictors.get(i), members == null ? ensemble : members.get(i),
                    weights == null ? 1.0 : weights[i]));
        }
        return Engine.builder(ms).combination(combination()).progress(progress).build();
    }

    /**
     * The mask stage: threshold, then small components removed; the one place between the combined
     * probabilities and the mask sinks.
     */
    public RowSink maskStage(MaskRowSink next) {
        return RowSinks.maskStage(maskThreshold(), ensemble.minComponentArea(), next);
    }

    /**
     * Runs every member over a slide in one pass and sends the combined level-0 probabilities to every sink.
     *
     * @throws IOException if the slide cannot be read or a sink cannot write
     */
    public void predict(ImageSource slide, List<? extends Predictor> predictors, List<? extends RowSink> sinks)
            throws IOException {
        engine(predictors).run(slide, sinks);
    }

    /** Predicts a slide's mask at full resolution, streamed to {@code sink}. */
    public void predictMask(ImageSource slide, List<? extends Predictor> predictors, MaskRowSink sink)
            throws IOException {
        predict(slide, predictors, List.of(maskStage(sink)));
    }

    /** Predicts a slide's combined probabilities at full resolution, streamed to {@code sink}. */
    public void predictProbabilities(ImageSource slide, List<? extends Predictor> predictors, RowSink sink)
            throws IOException {
        predict(slide, predictors, List.of(sink));
    }

    /**
     * Predicts a slide's probabilities into a pyramidal OME-TIFF only ({@link PyramidTiffSink}); to get it with
     * the mask from the same pass use {@link #predictSlide}.
     *
     * @return number of pyramid levels written
     */
    public int writeProbabilityTiff(ImageSource slide, List<? extends Predictor> predictors, Path target,
                                    PyramidTiffSink.Format format, int tileSize) throws IOException {
        try (PyramidTiffSink sink = open(new ProbabilityTiffOutput(target.toAbsolutePath().getParent(), format,
                tileSize), target, slide)) {
            predictProbabilities(slide, predictors, sink);
            sink.end();
            return sink.levelCount();
        }
    }

    private static PyramidTiffSink open(ProbabilityTiffOutput o, Path file, ImageSource slide) throws IOException {
        return PyramidTiffSink.open(file, slide.width(), slide.height(), o.tileSize(), o.format(),
                file.getFileName().toString());
    }

    /** Predicts a slide and returns its mask as runs (memory O(width + runs)). */
    public RleRuns predictRuns(ImageSource slide, List<? extends Predictor> predictors) throws IOException {
        return predictSlide(slide, predictors, null, null, null).runs();
    }

    /**
     * Predicts a slide once and returns its mask as runs while streaming the same pass's objects to
     * {@code polygons} (level-0 outlines, areas and mean probabilities; small components dropped as in the mask).
     *
     * @param simplify simplification tolerance in level-0 pixels (0 = exact)
     */
    public RleRuns predictRuns(ImageSource slide, List<? extends Predictor> predictors, PolygonSink.Consumer polygons,
                               double simplify) throws IOException {
        if (post.active()) {
            throw new IllegalStateException("post-processing writes polygons through predictSlide (a PolygonOutput)");
        }
        RleMaskSink s = new RleMaskSink();
        PolygonSink ps = PolygonSink.builder(polygons).threshold(maskThreshold())
                .minPixels(ensemble.minComponentArea()).simplify(simplify).build();
        predict(slide, predictors, List.of(maskStage(s), ps));
        return s.runs();
    }

    /** What one pass over a slide produced: the mask runs and the probability TIFF's levels (0 when none). */
    public record SlideResult(RleRuns runs, int tiffLevels) {
    }

    /**
     * Predicts a slide ONCE into every output asked for: its mask runs, its GeoJSON ({@code polygons.file(id)}),
     * its probability OME-TIFF ({@code tiff.file(id)}); each file is moved into place when complete.
     *
     * @param id       the slide's id (file names), may be {@code null} when neither file is asked for
     * @param polygons GeoJSON output, or {@code null}
     * @param tiff     probability TIFF output, or {@code null}
     */
    public SlideResult predictSlide(ImageSource slide, List<? extends Predictor> predictors, String id,
                                    PolygonOutput polygons, ProbabilityTiffOutput tiff) throws IOException {
        RleMaskSink rle = new RleMaskSink();
        List<RowSink> sinks = new ArrayList<>();
        List<? extends Predictor> ps = post.active() ? post.wrap(predictors) : predictors;
        GeoJsonWriter geo = null;
        PyramidTiffSink pyr = null;
        try {
            if (polygons != null) {
                GeoJsonOptions o = polygons.options();
                if (ensemble.ensemble().equals("vote") && o.valueName().equals(GeoJsonOptions.DEFAULT.valueName())) {
                    o = new GeoJsonOptions(o.objectType(), o.className(), o.rgb(), "Vote (0 or 1)");
                }
                geo = GeoJsonWriter.open(polygons.file(id), o, id);
            }
            GeoJsonWriter g = geo;
            PostProcessing.Chain chain = null;
            if (post.hasRowStages()) {
                if (ensemble.ensemble().equals("vote")) {
                    throw new IllegalArgumentException("post.crf, post.energy_threshold and post.otsu_below work on "
                            + "the ensemble's mean probabilities: they need infer.ensemble mean, got vote");
                }
                // the row stages (CRF, Otsu, energy) sit between the combined level-0 rows and the mask sinks
                long minArea = ensemble.minComponentArea();
                chain = post.chain(slide, threshold, t -> {
                    RowSink mask = RowSinks.maskStage(t, minArea, rle);
                    return g == null ? mask : RowSinks.teeValues(mask, PolygonSink.builder(g::write).threshold(t)
                            .minPixels(minArea).simplify(polygons.simplify()).build());
                }, null);
                sinks.add(chain);
            } else {
                sinks.add(maskStage(rle));
                if (g != null) {
                    sinks.add(PolygonSink.builder(g::write).threshold(maskThreshold())
                            .minPixels(ensemble.minComponentArea()).simplify(polygons.simplify()).build());
                }
            }
            if (tiff != null) {
                pyr = open(tiff, tiff.file(id), slide);
                sinks.add(pyr);
            }
            predict(slide, ps, sinks);
            if (post.active()) {
                String did = chain == null ? "" : chain.summary();
                if (post.tissueFilter() > 0) {
                    long[] k = PostProcessing.skipped(ps);
                    did = (did.isEmpty() ? "" : did + "; ") + "empty-window filter skipped " + k[0] + " of " + k[1]
                            + " windows";
                }
                postLog.accept(slide.width() + " x " + slide.height() + " slide: " + did);
            }
            if (geo != null) {
                geo.end();
            }
            int levels = 0;
            if (pyr != null) {
                pyr.end();
                levels = pyr.levelCount();
            }
            return new SlideResult(rle.runs(), levels);
        } finally {
            if (pyr != null) {
                pyr.close();
            }
            if (geo != null) {
                geo.close();
            }
        }
    }

    /** Predicts a slide once into its runs and {@code output.file(id)} (GeoJSON, moved into place when complete). */
    public RleRuns predictRuns(ImageSource slide, List<? extends Predictor> predictors, String id,
                               PolygonOutput output) throws IOException {
        return predictSlide(slide, predictors, id, output, null).runs();
    }

    /**
     * Predicts slides and writes a Kaggle submission ({@code id,predicted}) atomically, each mask streamed to RLE.
     *
     * @return the runs of every slide, by id (for scoring and overlays)
     */
    public Map<String, RleRuns> writeSubmission(CompetitionDataset dataset, List<String> ids,
                                               List<? extends Predictor> predictors, Path target) throws IOException {
        return writeSubmission(dataset, ids, predictors, target, null, null);
    }

    /** {@link #writeSubmission(CompetitionDataset, List, List, Path, PolygonOutput, ProbabilityTiffOutput)} without TIFFs. */
    public Map<String, RleRuns> writeSubmission(CompetitionDataset dataset, List<String> ids,
                                               List<? extends Predictor> predictors, Path target,
                                               PolygonOutput polygons) throws IOException {
        return writeSubmission(dataset, ids, predictors, target, polygons, null);
    }

    /**
     * Predicts slides, one pass each, and writes the submission plus, from the same passes, each slide's GeoJSON
     * and probability OME-TIFF when asked.
     *
     * @param polygons where the polygons go, or {@code null} for none
     * @param tiff     where the probability TIFFs go, or {@code null} for none
     */
    public Map<String, RleRuns> writeSubmission(CompetitionDataset dataset, List<String> ids,
                                               List<? extends Predictor> predictors, Path target,
                                               PolygonOutput polygons, ProbabilityTiffOutput tiff) throws IOException {
        Map<String, RleRuns> out = new LinkedHashMap<>();
        predictSlides(dataset, ids, predictors, target, polygons, tiff).forEach((k, v) -> out.put(k, v.runs()));
        return out;
    }

    /**
     * {@link #writeSubmission(CompetitionDataset, List, List, Path, PolygonOutput, ProbabilityTiffOutput)} that
     * returns what each slide's pass produced.
     */
    public Map<String, SlideResult> predictSlides(CompetitionDataset dataset, List<String> ids,
                                                  List<? extends Predictor> predictors, Path target,
                                                  PolygonOutput polygons, ProbabilityTiffOutput tiff)
            throws IOException {
        Map<String, SlideResult> out = new LinkedHashMap<>();
        // committed only when every slide was predicted: a failure on any slide leaves the old file (or none)
        SubmissionWriter.write(target, SubmissionWriter.PREDICTED, w -> {
            for (String id : ids) {
                SlideResult r = predictSlide(dataset.slide(id), predictors, id, polygons, tiff);
                out.put(id, r);
                w.add(id, Rle.format(r.runs()));
            }
        });
        return out;
    }

    /**
     * Adds a slide's out-of-fold probabilities to a threshold search, band by band against the truth decoded
     * per band (never a whole mask).
     *
     * @param predictors the models that did not train on it
     * @throws IOException if the slide cannot be read
     */
    public void addOutOfFold(ThresholdSearch search, CompetitionDataset dataset, String id,
                             List<? extends Predictor> predictors) throws IOException {
        RleRuns truth = dataset.mask(id);
        predictProbabilities(dataset.slide(id), predictors, new RowSink() {
            private int width;

            @Override
            public void begin(long w, long h) {
                width = (int) w;
            }

            @Override
            public void accept(long y0, int rows, float[] band) {
                byte[] t = Rle.decodeWindow(truth, 0, (int) y0, width, rows);
                search.add(id, band, 0, t, 0, rows * width);
            }
        });
    }
}
