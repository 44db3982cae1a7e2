package io.github.hubmapseg.pipeline.cohort;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Predicts a cohort (or one shard of it) in this JVM, unit after unit: writes {@code OUT/cohort.json}, skips every
 * slide whose unit is {@link UnitStatus#DONE done}, predicts the others, and for the whole cohort assembles
 * {@code OUT/submission.csv} and {@code OUT/report.txt} ({@link CohortAssembly}). Killed at any moment, the same
 * call finishes the work with the same submission.
 */
public final class CohortRuns {
    private CohortRuns() {
    }

    /** Hears about the run, for progress reports; every method has a no-op default. */
    public interface Listener {
        /** Before any slide: the shard's slides, their statuses and sizes in pixels (width x height). */
        default void planned(List<CohortSlide> slides, List<UnitStatus> statuses, long[] pixels) {
        }

        /** A slide's prediction starts ({@code index} from 0 among the shard's slides). */
        default void started(CohortSlide slide, int index, UnitStatus status) {
        }

        /** Windows of the current slide done out of its total. */
        default void windows(CohortSlide slide, long done, long total) {
        }

        /** A slide's unit was written. */
        default void finished(CohortSlide slide, int index, UnitRecord record) {
        }
    }

    /**
     * What a run did.
     *
     * @param predicted slides predicted
     * @param skipped   slides skipped (done already)
     * @param report    the assembled cohort's report (whole cohort only; empty for a shard)
     */
    public record Summary(int predicted, int skipped, Optional<CohortReport> report) {
    }

    /**
     * Predicts the shard's slides that are not done and, for {@link Shard#ALL}, assembles the submission.
     *
     * @param predictor the loaded ensemble
     * @param cohort    the cohort
     * @param shard     the share of it to predict
     * @param out       the output folder
     * @param sizes     each slide's pixel count for progress ({@code null}: not reported)
     * @param listener  progress, or {@code null}
     * @throws IOException if a slide cannot be read or a file cannot be written
     */
    public static Summary predict(CohortPredictor predictor, Cohort cohort, Shard shard, Path out,
                                  Map<String, Long> sizes, Listener listener) throws IOException {
        Listener l = listener == null ? new Listener() { } : listener;
        CohortManifest.of(cohort, predictor.digest()).write(out);
        List<CohortSlide> mine = cohort.shard(shard);
        List<UnitStatus> statuses = new ArrayList<>();
        long[] pixels = new long[mine.size()];
        for (int i = 0; i < mine.size(); i++) {
            statuses.add(SlideUnits.status(out, mine.get(i), predictor.digest()));
            pixels[i] = sizes == null ? 0 : sizes.getOrDefault(mine.get(i).id(), 0L);
        }
        l.planned(mine, statuses, pixels);
        Map<String, String> truth = Cohorts.truth(cohort);
        int predicted = 0;
        for (int i = 0; i < mine.size(); i++) {
            if (statuses.get(i) == UnitStatus.DONE) {
                continue;
            }
            CohortSlide s = mine.get(i);
            l.started(s, i, statuses.get(i));
            UnitRecord r = SlideUnits.run(predictor, s, out, truth.get(s.id()), (d, t) -> l.windows(s, d, t));
            predicted++;
            l.finished(s, i, r);
        }
        Optional<CohortReport> report = shard.all()
                ? Optional.of(CohortAssembly.assemble(List.of(out), out)) : Optional.empty();
        return new Summary(predicted, mine.size() - predicted, report);
    }
}
