package io.github.hubmapseg.pipeline.cohort;

import io.github.hubmapseg.pipeline.infer.Ensemble;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What to predict a cohort's slides with, as plain values (so that it can be shipped to other JVMs: Spark
 * executors build their {@link CohortPredictor} from it once and reuse it for their slides).
 *
 * @param ensembleFile an {@code ensemble.json} or a checkpoint {@code .zip}, or {@code null} when {@code members}
 *                     are given
 * @param members      instead of {@code ensembleFile}: members {@code CHECKPOINT[@key=value,...]}
 * @param combine      {@code mean} or {@code vote:K}, or {@code null} for the ensemble's
 * @param threshold    the mask threshold, or {@code null} for the ensemble's
 * @param overrides    {@code KEY=VALUE} recipe overrides for every member ({@code --set})
 * @param outputs      the unit's outputs besides the RLE row
 */
public record CohortJob(String ensembleFile, List<String> members, String combine, Double threshold,
                        List<String> overrides, UnitOutputs outputs) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Validates. */
    public CohortJob {
        members = members == null ? List.of() : List.copyOf(members);
        overrides = overrides == null ? List.of() : List.copyOf(overrides);
        outputs = outputs == null ? UnitOutputs.NONE : outputs;
        if ((ensembleFile == null) == members.isEmpty()) {
            throw new IllegalArgumentException("give either --ensemble FILE or members CHECKPOINT[@key=value,...], "
                    + "not both and not neither");
        }
        if (threshold != null && !(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
    }

    /**
     * The ensemble of a file or of member specifications, its members checked to exist, with {@code combine}
     * when given (the one home of {@code hubmap predict}'s and {@code hubmap ensemble}'s reading of them).
     */
    public static Ensemble ensemble(Path file, List<String> members, String combine) throws IOException {
        if ((file == null) == (members == null || members.isEmpty())) {
            throw new IllegalArgumentException("give either --ensemble FILE or members CHECKPOINT[@key=value,...], "
                    + "not both and not neither");
        }
        Ensemble e = file != null ? Ensemble.ofFile(file)
                : new Ensemble(members.stream().map(Ensemble.Member::parse).toList(), null, 0.5, false, Double.NaN);
        for (Path p : e.members()) {
            if (!p.toFile().isFile()) {
                throw new IllegalArgumentException("member checkpoint " + p + " does not exist");
            }
        }
        if (combine != null) {
            e = new Ensemble(e.entries(), combine.toLowerCase(Locale.ROOT), e.threshold(), e.searched(), e.oofDice());
        }
        return e;
    }

    /** @return this job's ensemble ({@link #ensemble(Path, List, String)}) */
    public Ensemble ensemble() throws IOException {
        return ensemble(ensembleFile == null ? null : Path.of(ensembleFile), members, combine);
    }
}
