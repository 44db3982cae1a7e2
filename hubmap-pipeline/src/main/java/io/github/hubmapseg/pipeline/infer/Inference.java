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
import io.github.hubmapseg.tiling.D4;
import io.github.hubmapseg.tiling.ProgressListener;
import io.github.hubmapseg.tiling.Rasters;
import io.github.hubmapseg.tiling.SlidingWindow;
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
 * Whole-slide inference as a recipe's {@code infer} section describes it: the {@link SlidingWindow} engine at
 * {@code infer.tile_size} with {@code infer.expansion}, stride {@code tile - infer.overlap}, mean or Gaussian
 * blending, the TTA poses, mean or vote ensembling and the threshold, run on a {@link ReducedImageSource} view
 * when {@code infer.reduce > 1} and brought back to full resolution by {@link UpsampleSinks} (streaming: no
 * full-resolution probability map or mask is ever held).
 */
public final class Inference {
    private final Recipe.Infer infer;
    private final double threshold;
    private final ProgressListener progress;
    private final PostProcessing post;
    private final Consumer<String> postLog;

    /**
     * @param infer     the recipe's inference settings
     * @param threshold the mask threshold to use (e.g. the ensemble's searched one)
     * @param progress  tile progress per slide
     */
    public Inference(Recipe.Infer infer, double threshold, ProgressListener progress) {
        this.infer = Objects.requireNonNull(infer, "infer");
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        this.threshold = threshold;
        this.progress = progress == null ? ProgressListener.none() : progress;
        this.post = PostProcessing.NONE;
        this.postLog = m -> { };
    }

    private Inference(Inference base, PostProcessing post, Consumer<String> log) {
        this.infer = base.infer;
        this.threshold = base.threshold;
        this.progress = base.progress;
        this.post = Objects.requireNonNull(post, "post");
        this.postLog = log == null ? m -> { } : log;
    }

    /**
     * The same inference with the write-ups' stages around the model ({@link PostProcessing}: empty-window filter,
     * DenseCRF, Otsu fallback, energy filter) applied by {@link #predictRuns}; {@code log} gets one line per slide
     * saying what they did.
     */
    public Inference withPost(PostProcessing post, Consumer<String> log) {
        return new Inference(this, post, log);
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

    /** @return the mask threshold */
    public double threshold() {
        return threshold;
    }

    /** @return the TTA poses of the settings (identity first) */
    public static D4[] poses(List<String> tta) {
        List<D4> p = new ArrayList<>();
        p.add(D4.IDENTITY);
        for (String t : tta) {
            D4 d = switch (t) {
                case "hflip" -> D4.HFLIP;
                case "vflip" -> D4.VFLIP;
                case "transpose" -> D4.TRANSPOSE;
                case "rot90" -> D4.ROT90;
                default -> throw new IllegalArgumentException("unknown TTA '" + t + "'; valid: hflip, vflip, "
                        + "transpose, rot90");
            };
            if (!p.contains(d)) {
                p.add(d);
            }
        }
        return p.toArray(new D4[0]);
    }

    /** @return the engine configured from the settings */
    public SlidingWindow engine() {
        int tile = infer.tileSize();
        if (infer.overlap() >= tile) {
            throw new IllegalArgumentException("infer.overlap must be < infer.tile_size " + tile + ", got "
                    + infer.overlap());
        }
        SlidingWindow.Builder b = SlidingWindow.builder(tile).stride(tile - infer.overlap()).expand(infer.expansion())
                .weighting(infer.blending().equals("gaussian") ? Weighting.gaussian() : Weighting.mean())
                .tta(poses(infer.tta())).threshold(threshold).progress(progress)
                .minComponentSize(infer.minComponentArea() / ((long) infer.reduce() * infer.reduce()));
        if (infer.ensemble().equals("vote")) {
            b.vote(Math.max(1, infer.voteThreshold()));
        } else {
            b.mean();
        }
        return b.build();
    }

    /**
     * Predicts a slide's mask at full resolution, streamed to {@code sink}.
     *
     * @param slide      the full-resolution slide
     * @param predictors the ensemble (one or more)
     * @param sink       receives full-resolution mask rows
     * @throws IOException if the slide cannot be read
     */
    public void predictMask(ImageSource slide, List<? extends Predictor> predictors, MaskRowSink sink)
            throws IOException {
        int r = infer.reduce();
        engine().runMask(r == 1 ? slide : new ReducedImageSource(slide, r), predictors,
                UpsampleSinks.mask(slide.width(), slide.height(), r, sink));
    }

    /**
     * Predicts a slide's probabilities at full resolution (ensemble mean), streamed to {@code sink}.
     *
     * @param slide      the full-resolution slide
     * @param predictors the ensemble
     * @param sink       receives full-resolution probability rows
     * @throws IOException if the slide cannot be read
     */
    public void predictProbabilities(ImageSource slide, List<? extends Predictor> predictors, RowSink sink)
            throws IOException {
        int r = infer.reduce();
        engine().run(Rasters.of(r == 1 ? slide : new ReducedImageSource(slide, r)), predictors,
                UpsampleSinks.probabilities(slide.width(), slide.height(), r, sink));
    }

    /**
     * Predicts a slide's probabilities at full resolution into a pyramidal OME-TIFF ({@link PyramidTiffSink}:
     * tiled BigTIFF, reduced levels as SubIFDs, Deflate), streamed band by band and moved into place
     * atomically when complete.
     *
     * @param slide      the full-resolution slide
     * @param predictors the ensemble
     * @param target     the {@code .ome.tif} file
     * @param format     uint8 ({@code round(255 p)}) or float32
     * @param tileSize   TIFF tile side (multiple of 16, e.g. 256)
     * @return number of pyramid levels written
     * @throws IOException if the slide cannot be read or the file written
     */
    public int writeProbabilityTiff(ImageSource slide, List<? extends Predictor> predictors, Path target,
                                    PyramidTiffSink.Format format, int tileSize) throws IOException {
        String name = target.getFileName().toString();
        try (PyramidTiffSink sink = PyramidTiffSink.open(target, slide.width(), slide.height(), tileSize, format,
                name)) {
            predictProbabilities(slide, predictors, sink);
            sink.end();
            return sink.levelCount();
        }
    }

    /**
     * Predicts a slide and returns its mask as runs (memory O(width + runs)).
     *
     * @return the runs
     * @throws IOException if the slide cannot be read
     */
    public RleRuns predictRuns(ImageSource slide, List<? extends Predictor> predictors) throws IOException {
        if (post.active()) {
            return predictPost(slide, predictors, null, 0);
        }
        RleMaskSink s = new RleMaskSink();
        predictMask(slide, predictors, s);
        return s.runs();
    }

    /**
     * Predicts a slide once and returns its mask as runs while streaming the same pass's objects to
     * {@code polygons}: traced on the engine's grid (before upsampling, so the memory stays one band), with
     * level-0 coordinates, areas and mean probabilities of the upsampled mask; small components dropped as in
     * the mask.
     *
     * @param polygons receives every object as its outline closes
     * @param simplify simplification tolerance in level-0 pixels (0 = exact)
     * @return the runs
     * @throws IOException if the slide cannot be read or the consumer fails
     */
    public RleRuns predictRuns(ImageSource slide, List<? extends Predictor> predictors, PolygonSink.Consumer polygons,
                               double simplify) throws IOException {
        if (post.active()) {
            return predictPost(slide, predictors, polygons, simplify);
        }
        int r = infer.reduce();
        SlidingWindow e = engine();
        PolygonSink ps = PolygonSink.builder(polygons).threshold(e.maskThreshold()).minPixels(e.minComponentSize())
                .scale(r, slide.width(), slide.height()).simplify(simplify).build();
        RleMaskSink s = new RleMaskSink();
        e.runMask(r == 1 ? slide : new ReducedImageSource(slide, r), predictors,
                UpsampleSinks.mask(slide.width(), slide.height(), r, s), ps);
        return s.runs();
    }

    /**
     * {@link #predictRuns} with the {@link PostProcessing} stages: the models behind the empty-window filter; the
     * row stages (CRF, Otsu, energy) between the level-0 probabilities and the thresholded outputs (small components
     * removed at level 0, polygons traced at level 0 from the post-processed rows).
     */
    private RleRuns predictPost(ImageSource slide, List<? extends Predictor> predictors, PolygonSink.Consumer polygons,
                                double simplify) throws IOException {
        List<Predictor> ps = post.wrap(predictors);
        Inference plain = new Inference(infer, threshold, progress);
        RleRuns runs;
        String did = "";
        if (!post.hasRowStages()) {
            runs = polygons == null ? plain.predictRuns(slide, ps) : plain.predictRuns(slide, ps, polygons, simplify);
        } else {
            if (infer.ensemble().equals("vote")) {
                throw new IllegalArgumentException("post.crf, post.energy_threshold and post.otsu_below work on the "
                        + "ensemble's mean probabilities: they need infer.ensemble mean, got vote");
            }
            long minArea = infer.minComponentArea();
            RleMaskSink s = new RleMaskSink();
            PostProcessing.Chain chain = post.chain(slide, threshold, t -> {
                RowSink mask = RowSinks.threshold(t, RowSinks.removeSmallComponents(minArea, s));
                return polygons == null ? mask : RowSinks.teeValues(mask, PolygonSink.builder(polygons).threshold(t)
                        .minPixels(minArea).simplify(simplify).build());
            }, null);
            plain.predictProbabilities(slide, ps, chain);
            runs = s.runs();
            did = chain.summary();
        }
        if (post.tissueFilter() > 0) {
            long[] k = PostProcessing.skipped(ps);
            did = (did.isEmpty() ? "" : did + "; ") + "empty-window filter skipped " + k[0] + " of " + k[1]
                    + " windows";
        }
        postLog.accept(slide.width() + " x " + slide.height() + " slide: " + did);
        return runs;
    }

    /**
     * Predicts a slide once into its runs and {@code output.file(id)} (GeoJSON, moved into place when complete).
     *
     * @return the runs
     * @throws IOException if the slide cannot be read or the file written
     */
    public RleRuns predictRuns(ImageSource slide, List<? extends Predictor> predictors, String id,
                               PolygonOutput output) throws IOException {
        GeoJsonOptions o = output.options();
        if (infer.ensemble().equals("vote") && o.valueName().equals(GeoJsonOptions.DEFAULT.valueName())) {
            o = new GeoJsonOptions(o.objectType(), o.className(), o.rgb(), "Mean vote fraction");
        }
        try (GeoJsonWriter w = GeoJsonWriter.open(output.file(id), o, id)) {
            RleRuns runs = predictRuns(slide, predictors, w::write, output.simplify());
            w.end();
            return runs;
        }
    }

    /**
     * Predicts slides and writes a Kaggle submission ({@code id,predicted}) atomically, each mask streamed to
     * RLE.
     *
     * @param dataset    the competition folder
     * @param ids        slides to predict, in submission order
     * @param predictors the ensemble
     * @param target     the CSV file
     * @return the runs of every slide, by id (for scoring and overlays)
     * @throws IOException on read or write failure
     */
    public Map<String, RleRuns> writeSubmission(CompetitionDataset dataset, List<String> ids,
                                               List<? extends Predictor> predictors, Path target) throws IOException {
        return writeSubmission(dataset, ids, predictors, target, null);
    }

    /**
     * {@link #writeSubmission(CompetitionDataset, List, List, Path)} that also writes each slide's objects as
     * GeoJSON from the same pass.
     *
     * @param polygons where the polygons go, or {@code null} for none
     */
    public Map<String, RleRuns> writeSubmission(CompetitionDataset dataset, List<String> ids,
                                               List<? extends Predictor> predictors, Path target,
                                               PolygonOutput polygons) throws IOException {
        Map<String, RleRuns> out = new LinkedHashMap<>();
        // committed only when every slide was predicted: a failure on any slide leaves the old file (or none)
        SubmissionWriter.write(target, SubmissionWriter.PREDICTED, w -> {
            for (String id : ids) {
                RleRuns runs = polygons == null ? predictRuns(dataset.slide(id), predictors)
                        : predictRuns(dataset.slide(id), predictors, id, polygons);
                out.put(id, runs);
                w.add(id, Rle.format(runs));
            }
        });
        return out;
    }

    /**
     * Adds a slide's out-of-fold probabilities to a threshold search, band by band against the truth decoded
     * per band (never a whole mask).
     *
     * @param search     the search
     * @param dataset    the dataset (truth)
     * @param id         the slide, with a mask
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
