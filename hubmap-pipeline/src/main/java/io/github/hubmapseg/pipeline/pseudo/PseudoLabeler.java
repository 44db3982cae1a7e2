package io.github.hubmapseg.pipeline.pseudo;

import io.github.hubmapseg.core.kaggle.SubmissionWriter;
import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Inference;
import io.github.hubmapseg.tiling.D4;
import io.github.hubmapseg.tiling.Member;
import io.github.hubmapseg.tiling.Predictors;
import io.github.hubmapseg.tiling.sink.RleMaskSink;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Makes pseudo-labels of unlabelled slides with an ensemble (1st place, team B): the slide's probabilities
 * are predicted with the recipe's inference settings (reduce, expansion, TTA, blending; ensemble mean) and
 * streamed band by band into two run-length masks: the pseudo mask ({@code p >= threshold}, the ensemble
 * threshold, like a submission) and the uncertain region ({@code low < p < high}). With {@code maxTtaStd > 0}
 * the same engine pass also computes the per-pixel standard deviation over the TTA poses
 * ({@link Predictors#ttaStd}; the recipe's poses, or the four flips when it has none) as a side member
 * ({@link Inference#predict(ImageSource, List, List, Member, RowSink)}) and adds pixels above the limit to the
 * uncertain region. Memory: one band of rows plus the runs; no whole-slide array.
 * {@link #write} writes {@link PseudoLabels#MASKS} and {@link PseudoLabels#UNCERTAIN} atomically.
 */
public final class PseudoLabeler {
    private final Recipe.Infer infer;
    private final double threshold;
    private final double low;
    private final double high;
    private final double maxTtaStd;

    /**
     * @param infer     inference settings
     * @param threshold mask threshold, in [0, 1]
     * @param low       confident background iff {@code p <= low}
     * @param high      confident foreground iff {@code p >= high}; {@code low <= high}
     * @param maxTtaStd TTA standard-deviation limit, 0 for off
     */
    public PseudoLabeler(Recipe.Infer infer, double threshold, double low, double high, double maxTtaStd) {
        this.infer = Objects.requireNonNull(infer, "infer");
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        if (!(low >= 0 && low <= 1) || !(high >= 0 && high <= 1) || low > high) {
            throw new IllegalArgumentException("need 0 <= low <= high <= 1, got low " + low + ", high " + high);
        }
        if (!(maxTtaStd >= 0 && maxTtaStd <= 0.5)) {
            throw new IllegalArgumentException("maxTtaStd must be in [0, 0.5] (0 = off), got " + maxTtaStd);
        }
        this.threshold = threshold;
        this.low = low;
        this.high = high;
        this.maxTtaStd = maxTtaStd;
    }

    /**
     * The labeler a recipe describes ({@code infer} and {@code pseudo} sections).
     *
     * @param recipe    the recipe
     * @param threshold the ensemble's mask threshold
     * @return the labeler
     */
    public static PseudoLabeler of(Recipe recipe, double threshold) {
        Recipe.Pseudo p = recipe.pseudo();
        return new PseudoLabeler(recipe.infer(), threshold, p.negativeThreshold(), p.positiveThreshold(),
                p.maxTtaStd());
    }

    /**
     * Pseudo-labels one slide.
     *
     * @param id         slide id (for the result)
     * @param slide      full-resolution slide
     * @param predictors the ensemble
     * @return mask and uncertain region
     * @throws IOException if the slide cannot be read
     */
    public PseudoLabel label(String id, ImageSource slide, List<? extends Predictor> predictors) throws IOException {
        RleMaskSink mask = new RleMaskSink();
        RleMaskSink band = new RleMaskSink();
        float lo = (float) low;
        float hi = (float) high;
        float limit = (float) maxTtaStd;
        Inference inference = new Inference(infer, threshold, null);
        // the TTA standard deviation comes from the same pass: a side member of the engine, its band handed over
        // just before the ensemble's band of the same rows
        float[][] std = new float[1][];
        long[] stdRow = {-1};
        RowSink stdSink = new RowSink() {
            @Override
            public void accept(long y0, int rows, float[] s) {
                std[0] = s;
                stdRow[0] = y0;
            }
        };
        RowSink labels = new RowSink() {
            private int width;
            private byte[] m = new byte[0];
            private byte[] u = new byte[0];

            @Override
            public void begin(long w, long h) throws IOException {
                width = Math.toIntExact(w);
                mask.begin(w, h);
                band.begin(w, h);
            }

            @Override
            public void accept(long y0, int rows, float[] p) throws IOException {
                int n = rows * width;
                if (m.length < n) {
                    m = new byte[n];
                    u = new byte[n];
                }
                if (maxTtaStd > 0 && stdRow[0] != y0) {
                    throw new IllegalStateException("internal: TTA std band at row " + stdRow[0] + ", mean at " + y0);
                }
                for (int k = 0; k < n; k++) {
                    float v = p[k];
                    m[k] = v >= threshold ? (byte) 1 : 0;
                    u[k] = (v > lo && v < hi) || (maxTtaStd > 0 && std[0][k] > limit) ? (byte) 1 : 0;
                }
                mask.accept(y0, rows, m);
                band.accept(y0, rows, u);
            }

            @Override
            public void end() throws IOException {
                mask.end();
                band.end();
            }
        };
        if (maxTtaStd > 0) {
            inference.predict(slide, predictors, List.of(labels), ttaStdMember(predictors), stdSink);
        } else {
            inference.predictProbabilities(slide, predictors, labels);
        }
        return new PseudoLabel(id, mask.runs(), band.runs());
    }

    /**
     * The member whose output is the per-pixel standard deviation over the TTA poses of the ensemble's mean
     * ({@link Predictors#ttaStd}; the recipe's poses, or the four flips when it has fewer than two), tiled as the
     * recipe says, without poses of its own.
     */
    private Member ttaStdMember(List<? extends Predictor> predictors) {
        D4[] poses = D4.named(infer.tta());
        if (poses.length < 2) {
            poses = D4.flips();
        }
        Recipe.Infer plain = new Recipe.Infer(infer.tileSize(), infer.reduce(), infer.expansion(), infer.overlap(),
                infer.blending(), List.of(), infer.threshold(), false, "mean", 0, 0);
        return Inference.member(Predictors.ttaStd(predictors, poses), plain, 1.0);
    }

    /**
     * Pseudo-labels slides of a dataset and writes {@link PseudoLabels#MASKS} and {@link PseudoLabels#UNCERTAIN}
     * into {@code dir} (each atomically).
     *
     * @param dataset    the competition folder
     * @param ids        slides to label
     * @param predictors the ensemble
     * @param dir        output folder (created)
     * @param log        one line per slide
     * @return the labels, in {@code ids} order
     * @throws IOException on read or write failure
     */
    public List<PseudoLabel> write(CompetitionDataset dataset, List<String> ids, List<? extends Predictor> predictors,
                                   Path dir, Consumer<String> log) throws IOException {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("no slides to pseudo-label");
        }
        Files.createDirectories(dir);
        List<PseudoLabel> out = new ArrayList<>();
        SubmissionWriter masks = SubmissionWriter.encodings(dir.resolve(PseudoLabels.MASKS));
        SubmissionWriter unc = SubmissionWriter.encodings(dir.resolve(PseudoLabels.UNCERTAIN));
        boolean ok = false;
        try {
            for (String id : ids) {
                PseudoLabel l = label(id, dataset.slide(id), predictors);
                masks.add(id, Rle.format(l.mask()));
                unc.add(id, Rle.format(l.uncertain()));
                out.add(l);
                log.accept(String.format(java.util.Locale.ROOT, "pseudo-labelled %s: %d foreground pixels, %.2f%% "
                        + "uncertain", id, l.mask().area(), 100 * l.uncertainFraction()));
            }
            masks.close();
            unc.close();
            ok = true;
        } finally {
            if (!ok) {
                masks.abort();
                unc.abort();
            }
        }
        return out;
    }
}
