package io.github.hubmapseg.pipeline.pseudo;

import io.github.hubmapseg.core.kaggle.SubmissionWriter;
import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Inference;
import io.github.hubmapseg.tiling.D4;
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
 * a second streamed pass computes the per-pixel standard deviation over the TTA poses
 * ({@link Predictors#ttaStd}; the recipe's poses, or the four flips when it has none) and adds pixels above
 * the limit to the uncertain region. Memory: one band of rows plus the runs; no whole-slide array.
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
        new Inference(infer, threshold, null).predictProbabilities(slide, predictors, new RowSink() {
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
                for (int k = 0; k < n; k++) {
                    float v = p[k];
                    m[k] = v >= threshold ? (byte) 1 : 0;
                    u[k] = v > lo && v < hi ? (byte) 1 : 0;
                }
                mask.accept(y0, rows, m);
                band.accept(y0, rows, u);
            }

            @Override
            public void end() throws IOException {
                mask.end();
                band.end();
            }
        });
        RleRuns uncertain = band.runs();
        if (maxTtaStd > 0) {
            uncertain = addTtaUncertainty(slide, predictors, uncertain);
        }
        return new PseudoLabel(id, mask.runs(), uncertain);
    }

    private RleRuns addTtaUncertainty(ImageSource slide, List<? extends Predictor> predictors, RleRuns first)
            throws IOException {
        D4[] poses = D4.named(infer.tta());
        if (poses.length < 2) {
            poses = D4.flips();
        }
        Recipe.Infer plain = new Recipe.Infer(infer.tileSize(), infer.reduce(), infer.expansion(), infer.overlap(),
                infer.blending(), List.of(), infer.threshold(), false, "mean", 0, 0);
        RleMaskSink out = new RleMaskSink();
        float limit = (float) maxTtaStd;
        {
            Predictor std = Predictors.ttaStd(predictors, poses);
            new Inference(plain, threshold, null).predictProbabilities(slide, List.of(std), new RowSink() {
                private int width;

                @Override
                public void begin(long w, long h) throws IOException {
                    width = Math.toIntExact(w);
                    out.begin(w, h);
                }

                @Override
                public void accept(long y0, int rows, float[] s) throws IOException {
                    byte[] u = Rle.decodeWindow(first, 0, (int) y0, width, rows);
                    for (int k = 0; k < rows * width; k++) {
                        if (s[k] > limit) {
                            u[k] = 1;
                        }
                    }
                    out.accept(y0, rows, u);
                }

                @Override
                public void end() throws IOException {
                    out.end();
                }
            });
        }
        return out.runs();
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
