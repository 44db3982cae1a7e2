package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.io.FolderLock;
import io.github.hubmapseg.pipeline.cohort.Cohort;
import io.github.hubmapseg.pipeline.cohort.CohortJob;
import io.github.hubmapseg.pipeline.cohort.CohortReport;
import io.github.hubmapseg.pipeline.cohort.Cohorts;
import io.github.hubmapseg.spark.PredictorSource;
import io.github.hubmapseg.spark.SparkCohortRun;
import io.github.hubmapseg.spark.SparkCohorts;
import io.github.hubmapseg.spark.SparkSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code hubmap predict --out-dir DIR --engine spark}: the cohort's slides as Spark tasks ({@link SparkCohorts}),
 * the same units and the same {@code DIR/submission.csv} as the JVM engine ({@link CohortPredict}).
 */
final class SparkPredict {
    private SparkPredict() {
    }

    static int run(PredictCommand c, SparkSettings settings) throws IOException {
        if (c.outDir == null) {
            throw new IllegalArgumentException("--engine spark needs --out-dir DIR (a folder every executor can write: "
                    + "the per-slide units, then DIR/submission.csv)");
        }
        if (c.shard != null) {
            throw new IllegalArgumentException("--shard is for the jvm engine (job arrays); --engine spark splits "
                    + "the cohort itself, one task per slide");
        }
        PrintWriter pw = c.spec.commandLine().getOut();
        CohortJob job = CohortPredict.job(c);
        Cohort cohort = Cohorts.open(c.data, c.ids);
        pw.printf(Locale.ROOT, "cohort: %d slides from %s%n", cohort.slides().size(), cohort.source());
        pw.flush();
        Path dir = c.outDir.toAbsolutePath();
        SparkCohortRun r;
        try (FolderLock lock = FolderLock.acquire(dir, "hubmap predict --engine spark --out-dir " + dir)) {
            r = SparkCohorts.predict(settings, PredictorSource.of(job), cohort, dir, line -> {
                pw.println(line);
                pw.flush();
            });
        }
        CohortReport report = r.report();
        pw.printf(Locale.ROOT, "predicted %d slides, skipped %d (done already) on %s: %d executor(s), %d ensemble "
                        + "load(s), %.1f s%n", r.predicted(), r.skipped(), r.master(), r.executors().size(), r.loads(),
                r.wallSeconds());
        if (!Double.isNaN(report.meanDice())) {
            pw.printf(Locale.ROOT, "mean Dice %.4f over %d slides with a mask%n", report.meanDice(),
                    report.units().stream().filter(u -> u.dice() != null).count());
        }
        pw.println("wrote " + dir.resolve("submission.csv") + " and " + dir.resolve("report.txt"));
        pw.flush();
        return 0;
    }
}
