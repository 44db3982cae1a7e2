package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.io.FolderLock;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.pipeline.cohort.Cohort;
import io.github.hubmapseg.pipeline.cohort.CohortJob;
import io.github.hubmapseg.pipeline.cohort.CohortPredictor;
import io.github.hubmapseg.pipeline.cohort.CohortReport;
import io.github.hubmapseg.pipeline.cohort.CohortRuns;
import io.github.hubmapseg.pipeline.cohort.CohortSlide;
import io.github.hubmapseg.pipeline.cohort.Cohorts;
import io.github.hubmapseg.pipeline.cohort.Shard;
import io.github.hubmapseg.pipeline.cohort.UnitOutputs;
import io.github.hubmapseg.pipeline.cohort.UnitRecord;
import io.github.hubmapseg.pipeline.cohort.UnitStatus;
import io.github.hubmapseg.tiling.Vectorization;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code hubmap predict --out-dir DIR [--shard I/N]}: the cohort's (or shard's) slides as per-slide work units
 * ({@link CohortRuns}), with progress per slide and overall with an ETA, then, for the whole cohort,
 * {@code DIR/submission.csv} and {@code DIR/report.txt}.
 */
final class CohortPredict {
    private CohortPredict() {
    }

    /** The job of the command's options (ensemble, settings, outputs). */
    static CohortJob job(PredictCommand c) {
        if (c.out != null) {
            throw new IllegalArgumentException("give --out CSV or --out-dir DIR, not both (with --out-dir the "
                    + "submission is DIR/submission.csv)");
        }
        for (Path p : java.util.Arrays.asList(c.overlays, c.probabilityTiff, c.geojson)) {
            if (p != null && !p.toString().isEmpty()) {
                throw new IllegalArgumentException("with --out-dir, --overlays, --probability-tiff and --geojson take "
                        + "no folder (each slide's files go to DIR/slides/<id>/), got '" + p + "'");
            }
        }
        UnitOutputs outputs = new UnitOutputs(c.probabilityTiff == null ? null : c.tiffFormat, c.tiffTile,
                c.geojson != null, c.geo.objectType, c.geo.simplify(), c.overlays == null ? 0 : 1024);
        return new CohortJob(c.ensemble == null ? null : c.ensemble.toString(), c.members, c.combine, c.threshold,
                c.sets(), outputs);
    }

    static int run(PredictCommand c) throws IOException {
        PrintWriter pw = c.spec.commandLine().getOut();
        Shard shard = c.shard == null ? Shard.ALL : Shard.parse(c.shard);
        CohortJob job = job(c);
        Cohort cohort = Cohorts.open(c.data, c.ids);
        List<CohortSlide> mine = cohort.shard(shard);
        pw.printf(Locale.ROOT, "cohort: %d slides from %s%s%n", cohort.slides().size(), cohort.source(),
                shard.all() ? "" : "; shard " + shard + ": " + mine.size() + " slides");
        Path dir = c.outDir.toAbsolutePath();
        if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out-dir " + dir + " exists and is not a folder");
        }
        // a whole-cohort run holds the folder; shards may share one (their units are idempotent)
        try (FolderLock lock = shard.all() ? FolderLock.acquire(dir, "hubmap predict --out-dir " + dir) : null;
             CohortPredictor p = CohortPredictor.load(job, m -> pw.println("post: " + m))) {
            for (String line : p.description()) {
                pw.println(line);
            }
            pw.printf(Locale.ROOT, "combine: %s, threshold %s; settings digest %s%n", p.inference().combination(),
                    p.inference().threshold(), p.digest().substring(0, 12));
            Map<String, Long> sizes = sizes(p, mine, pw);
            pw.flush();
            long total = sizes.values().stream().mapToLong(Long::longValue).sum();
            CohortRuns.Summary s;
            try (Progress bar = new Progress(pw, "predict", total)) {
                s = CohortRuns.predict(p, cohort, shard, dir, sizes, new Listener(bar, mine.size()));
            }
            pw.printf(Locale.ROOT, "predicted %d slides, skipped %d (done already)%n", s.predicted(), s.skipped());
            if (s.report().isPresent()) {
                CohortReport r = s.report().get();
                if (!Double.isNaN(r.meanDice())) {
                    pw.printf(Locale.ROOT, "mean Dice %.4f over %d slides with a mask%n", r.meanDice(),
                            r.units().stream().filter(u -> u.dice() != null).count());
                }
                pw.println("wrote " + dir.resolve("submission.csv") + " and " + dir.resolve("report.txt")
                        + " (threshold " + p.inference().threshold() + ")");
            } else {
                pw.println("shard " + shard + " done in " + dir + "; assemble the shards with: hubmap merge --out "
                        + "OUT_DIR SHARD_DIR...");
            }
            pw.flush();
        }
        return 0;
    }

    /** Each slide's pixels (headers only, each slide closed again); checks the memory of the widest first. */
    private static Map<String, Long> sizes(CohortPredictor p, List<CohortSlide> slides, PrintWriter pw)
            throws IOException {
        Map<String, Long> sizes = new LinkedHashMap<>();
        CohortSlide widest = null;
        long widestW = -1;
        for (CohortSlide s : slides) {
            try (ImageSource src = ImageSources.open(s.path())) {
                sizes.put(s.id(), src.width() * src.height());
                if (src.width() > widestW) {
                    widestW = src.width();
                    widest = s;
                }
            }
        }
        if (widest != null) {
            try (ImageSource src = ImageSources.open(widest.path())) {
                if (p.memory(src).isPresent()) {
                    p.memory(src).get().check();
                }
                pw.println("memory plan for " + widest.id() + ":");
                pw.println(p.inference().engine(p.predictors()).plan(src.width(), src.height(), src.channels())
                        .describe());
                pw.println("tiling kernels: " + Vectorization.describe());
            }
        }
        return sizes;
    }

    /** Progress over the shard's pixels: a bar (or decile lines) overall, a line per slide. */
    private static final class Listener implements CohortRuns.Listener {
        private final Progress bar;
        private final int count;
        private long[] pixels = new long[0];
        private long before;
        private long current;
        private int doneSlides;

        Listener(Progress bar, int count) {
            this.bar = bar;
            this.count = count;
        }

        @Override
        public void planned(List<CohortSlide> slides, List<UnitStatus> statuses, long[] px) {
            pixels = px;
            long skip = 0;
            for (int i = 0; i < slides.size(); i++) {
                if (statuses.get(i) == UnitStatus.DONE) {
                    skip += px[i];
                    doneSlides++;
                }
            }
            if (doneSlides > 0) {
                bar.log(doneSlides + " of " + count + " slides done already (their records match): skipped");
            }
            bar.skip(skip);
            before = skip;
        }

        @Override
        public void started(CohortSlide slide, int index, UnitStatus status) {
            current = index < pixels.length ? pixels[index] : 0;
            bar.detail("slide " + (doneSlides + 1) + "/" + count + " " + slide.id());
            if (status != UnitStatus.MISSING) {
                bar.log("slide " + slide.id() + ": " + status.text() + ", predicting it again");
            }
        }

        @Override
        public void windows(CohortSlide slide, long done, long total) {
            bar.set(before + (total == 0 ? 0 : (long) (current * (done / (double) total))));
            bar.detail(String.format(Locale.ROOT, "slide %d/%d %s %.0f%%", doneSlides + 1, count, slide.id(),
                    total == 0 ? 0.0 : 100.0 * done / total));
        }

        @Override
        public void finished(CohortSlide slide, int i, UnitRecord r) {
            before += pixels.length > i ? pixels[i] : 0;
            doneSlides++;
            bar.set(before);
            bar.log(String.format(Locale.ROOT, "slide %d/%d %s: %d x %d in %.1f s%s; overall %s", doneSlides, count,
                    slide.id(), r.width(), r.height(), r.seconds(), r.dice() == null ? ""
                            : String.format(Locale.ROOT, ", Dice %.4f", r.dice()), bar.timing()));
        }
    }
}
