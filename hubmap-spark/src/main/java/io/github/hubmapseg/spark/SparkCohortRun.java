package io.github.hubmapseg.spark;

import io.github.hubmapseg.pipeline.cohort.CohortReport;
import java.util.List;

/**
 * What a Spark cohort run did.
 *
 * @param master      the master it ran on
 * @param skipped     slides whose unit was done before the job started (not sent to Spark)
 * @param outcomes    one per slide task that completed, in cohort order
 * @param report      the assembled cohort ({@code OUT/submission.csv}, {@code OUT/report.txt})
 * @param wallSeconds wall time from the context's start to the assembled submission
 */
public record SparkCohortRun(String master, int skipped, List<SlideOutcome> outcomes, CohortReport report,
                             double wallSeconds) {
    /** Validates. */
    public SparkCohortRun {
        outcomes = List.copyOf(outcomes);
    }

    /** @return how many slides were predicted by this run */
    public long predicted() {
        return outcomes.stream().filter(SlideOutcome::predicted).count();
    }

    /** @return the distinct executors ({@code host/pid}) that ran a slide */
    public List<String> executors() {
        return outcomes.stream().map(SlideOutcome::executor).distinct().sorted().toList();
    }

    /** @return how many tasks loaded the ensemble (at most one per task slot of each executor) */
    public long loads() {
        return outcomes.stream().filter(SlideOutcome::loaded).count();
    }
}
