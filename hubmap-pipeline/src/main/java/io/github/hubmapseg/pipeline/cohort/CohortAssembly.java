package io.github.hubmapseg.pipeline.cohort;

import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.core.kaggle.SubmissionWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Assembles {@code OUT/submission.csv} from the per-slide units of one or more output folders (shards), in the
 * cohort's stable order (the sample submission's for a competition folder), plus {@code OUT/report.txt} and
 * {@code OUT/cohort.json}. The submission depends only on the units' {@code mask.rle} files, which depend only on
 * the slide and the digest: it is byte-identical however the work was split, retried or interrupted.
 */
public final class CohortAssembly {
    /** The submission's file name. */
    public static final String SUBMISSION = "submission.csv";
    /** The report's file name. */
    public static final String REPORT = "report.txt";

    private CohortAssembly() {
    }

    /**
     * Assembles the submission of the cohort the folders hold.
     *
     * @param from output folders of {@code hubmap predict --out-dir} (shards, or one folder)
     * @param out  where {@code submission.csv}, {@code report.txt} and {@code cohort.json} go (may be one of
     *             {@code from})
     * @return the report
     * @throws IllegalArgumentException in one line when the folders disagree on the cohort or the digest, or a
     *                                  slide has no finished unit in any of them (naming them)
     * @throws IOException              if a file cannot be read or written
     */
    public static CohortReport assemble(List<Path> from, Path out) throws IOException {
        if (from.isEmpty()) {
            throw new IllegalArgumentException("no output folders to merge");
        }
        CohortManifest first = CohortManifest.read(from.get(0));
        for (Path d : from.subList(1, from.size())) {
            CohortManifest m = CohortManifest.read(d);
            if (!m.digest().equals(first.digest())) {
                throw new IllegalArgumentException(d + " was predicted with other models or settings than "
                        + from.get(0) + " (digest " + m.digest().substring(0, 12) + " vs "
                        + first.digest().substring(0, 12) + ")");
            }
            if (!m.ids().equals(first.ids())) {
                throw new IllegalArgumentException(d + " holds another cohort than " + from.get(0) + " ("
                        + m.ids().size() + " vs " + first.ids().size() + " slides, or another order)");
            }
        }
        List<UnitRecord> records = new ArrayList<>();
        List<Path> where = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String id : first.ids()) {
            Optional<UnitRecord> found = Optional.empty();
            for (Path d : from) {
                found = SlideUnits.finished(d, id, first.digest());
                if (found.isPresent()) {
                    records.add(found.get());
                    where.add(d);
                    break;
                }
            }
            if (found.isEmpty()) {
                missing.add(id);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(missing.size() + " of " + first.ids().size() + " slides have no "
                    + "finished unit in " + from + ": " + String.join(", ", missing.subList(0, Math.min(10,
                    missing.size()))) + (missing.size() > 10 ? " ..." : "") + " (run their shards again)");
        }
        first.write(out);
        SubmissionWriter.write(out.resolve(SUBMISSION), SubmissionWriter.PREDICTED, w -> {
            for (int i = 0; i < records.size(); i++) {
                String id = records.get(i).id();
                Path d = where.get(i);
                w.add(id, a -> SlideUnits.copyRle(d, id, a));
            }
        });
        CohortReport report = new CohortReport(first.digest(), records);
        AtomicFiles.writeString(out.resolve(REPORT), String.join("\n", report.lines()) + "\n");
        return report;
    }
}
