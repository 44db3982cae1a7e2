package io.github.hubmapseg.tiling.post;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.DoubleFunction;

/**
 * Which of the write-ups' stages around the model run, and the chain they form between the level-0 probability rows
 * and the mask sinks: {@link DenseCrfSink} (then the mask is the CRF's MAP label, {@code Q_1 >= 0.5}), then
 * {@link OtsuFallback} (may replace the threshold), then {@link EnergyFilter} at the chosen threshold, then the
 * outputs. The empty-window filter is not a row stage: {@link #wrap} puts {@link EmptyTileSkipping} around the
 * models.
 *
 * @param tissueFilter    saturation threshold of the empty-window filter (10th place via iafoss: 40), 0 for off
 * @param crf             DenseCRF as team B ({@link DenseCrf#TEAM_B})
 * @param crfReduce       resolution of the CRF as a reduce factor (team B ran it at the model's resolution)
 * @param crfPatch        CRF patch side in level-0 pixels (team B 2560)
 * @param crfOverlap      CRF patch overlap in level-0 pixels (team B 512)
 * @param energyThreshold drop components whose mean energy score is below it (10th place), 0 for off
 * @param otsuBelow       use Otsu's threshold when fewer level-0 pixels are foreground (10th place: 10,000 at reduce 2,
 *                        i.e. 40,000 at level 0), 0 for off
 */
public record PostProcessing(int tissueFilter, boolean crf, int crfReduce, int crfPatch, int crfOverlap,
                             double energyThreshold, long otsuBelow) {

    /** Nothing. */
    public static final PostProcessing NONE = new PostProcessing(0, false, 1, 2560, 512, 0, 0);

    /** Validates. */
    public PostProcessing {
        if (tissueFilter < 0 || tissueFilter > 255) {
            throw new IllegalArgumentException("tissue filter saturation threshold must be in 0..255 (0 = off), got "
                    + tissueFilter);
        }
        if (!(energyThreshold >= 0) || Double.isInfinite(energyThreshold)) {
            throw new IllegalArgumentException("energy threshold must be a finite number >= 0 (0 = off), got "
                    + energyThreshold);
        }
        if (otsuBelow < 0) {
            throw new IllegalArgumentException("Otsu pixel count must be >= 0 (0 = off), got " + otsuBelow);
        }
        if (crfReduce < 1) {
            throw new IllegalArgumentException("CRF reduce must be >= 1, got " + crfReduce);
        }
    }

    /** Whether anything runs. */
    public boolean active() {
        return tissueFilter > 0 || hasRowStages();
    }

    /** Whether a row stage runs (CRF, Otsu or energy). */
    public boolean hasRowStages() {
        return crf || energyThreshold > 0 || otsuBelow > 0;
    }

    /**
     * Heap bytes the row stages hold at most on a slide {@code width} level-0 pixels wide, for the memory plan: the
     * CRF's strip and its patches in flight on every core ({@link DenseCrfSink#plannedBytes}); 0 without the CRF
     * (the energy filter holds the rows of open components, the Otsu fallback a file).
     */
    public long plannedBytes(long width) {
        return crf ? DenseCrfSink.plannedBytes(width, crfReduce, crfPatch, crfOverlap, crfThreads()) : 0;
    }

    /** Threads the CRF's patches run on: the processors. */
    static int crfThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The models, each behind the empty-window filter when it is on. */
    public List<Predictor> wrap(List<? extends Predictor> models) {
        List<Predictor> out = new ArrayList<>();
        for (Predictor p : models) {
            out.add(tissueFilter > 0 ? new EmptyTileSkipping(p, tissueFilter) : p);
        }
        return out;
    }

    /** Windows skipped and seen by the wrappers {@link #wrap} made, as {@code {skipped, seen}}. */
    public static long[] skipped(List<? extends Predictor> wrapped) {
        long s = 0;
        long n = 0;
        for (Predictor p : wrapped) {
            if (p instanceof EmptyTileSkipping e) {
                s += e.skipped();
                n += e.seen();
            }
        }
        return new long[] {s, n};
    }

    /**
     * The row stages for one slide.
     *
     * @param slide     the slide (RGB for the CRF)
     * @param threshold the mask threshold without post-processing
     * @param outputs   builds the output sinks for the final threshold (thresholding, RLE, polygons, ...)
     * @param scores    receives the energy score of every component (may be {@code null})
     * @return the chain's head, which also reports what happened
     */
    public Chain chain(ImageSource slide, double threshold, DoubleFunction<RowSink> outputs,
                       Consumer<ComponentScore> scores) {
        Chain c = new Chain();
        DoubleFunction<RowSink> afterOtsu = energyThreshold > 0
                ? t -> c.energy = new EnergyFilter(t, energyThreshold, outputs.apply(t), scores)
                : outputs;
        double t0 = crf ? 0.5 : threshold;
        RowSink tail = otsuBelow > 0 ? (c.otsu = new OtsuFallback(t0, otsuBelow, afterOtsu)) : afterOtsu.apply(t0);
        c.head = crf ? (c.crf = new DenseCrfSink(DenseCrf.TEAM_B, slide, crfReduce, crfPatch, crfOverlap,
                crfThreads(), tail)) : tail;
        return c;
    }

    /** The head of a slide's row stages, and a summary of what they did. */
    public static final class Chain implements RowSink {
        private RowSink head;
        private DenseCrfSink crf;
        private OtsuFallback otsu;
        private EnergyFilter energy;

        private Chain() {
        }

        @Override
        public void begin(long width, long height) throws IOException {
            head.begin(width, height);
        }

        @Override
        public void accept(long y0, int rows, float[] band) throws IOException {
            head.accept(y0, rows, band);
        }

        @Override
        public void end() throws IOException {
            head.end();
        }

        /** One line: CRF patches, the Otsu decision, components kept and dropped by energy. */
        public String summary() {
            List<String> s = new ArrayList<>();
            if (crf != null) {
                s.add("DenseCRF " + crf.patches() + " patches");
            }
            if (otsu != null) {
                s.add(otsu.fellBack() ? String.format(Locale.ROOT, "Otsu threshold %.4f (%d pixels at the usual one)",
                        otsu.chosenThreshold(), otsu.foreground())
                        : "no Otsu fallback (" + otsu.foreground() + " pixels)");
            }
            if (energy != null) {
                s.add("energy kept " + energy.kept() + " dropped " + energy.dropped() + " components");
            }
            return String.join("; ", s);
        }
    }
}
