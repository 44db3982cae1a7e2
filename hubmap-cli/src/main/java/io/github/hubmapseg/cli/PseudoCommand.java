package io.github.hubmapseg.cli;

import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.models.ModelPredictor;
import io.github.hubmapseg.pipeline.pseudo.PseudoLabel;
import io.github.hubmapseg.pipeline.pseudo.PseudoLabeler;
import io.github.hubmapseg.pipeline.pseudo.PseudoLabels;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hubmap pseudo}: pseudo-labels of unlabelled slides with an ensemble. */
@Command(name = "pseudo", mixinStandardHelpOptions = true,
        description = {"Pseudo-label unlabelled slides (test/ or external/) with an ensemble: writes "
                + PseudoLabels.MASKS + " (mask at the ensemble threshold) and " + PseudoLabels.UNCERTAIN
                + " (pixels with LOW < p < HIGH, or TTA std > MAX_TTA_STD), both id,encoding in the train.csv RLE "
                + "convention. Defaults come from the first member's recipe (pseudo.*, infer.*). A second training "
                + "stage uses them with pseudo.enabled=true in 'hubmap reproduce'."})
final class PseudoCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Competition folder.")
    Path data;

    @Option(names = "--ensemble", required = true, paramLabel = "FILE",
            description = "ensemble.json from 'hubmap train' / 'hubmap reproduce', or a checkpoint .zip.")
    Path ensemble;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "pseudo",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--sources", paramLabel = "test|external|test+external",
            description = "Slides to label (default: the recipe's pseudo.sources).")
    String sources;

    @Option(names = "--ids", split = ",", paramLabel = "ID", description = "Slides to label (overrides --sources).")
    List<String> ids;

    @Option(names = "--low", paramLabel = "P", description = "Confident background iff p <= P (default: pseudo.negative_threshold).")
    Double low;

    @Option(names = "--high", paramLabel = "P", description = "Confident foreground iff p >= P (default: pseudo.positive_threshold).")
    Double high;

    @Option(names = "--max-tta-std", paramLabel = "S",
            description = "Also uncertain where the std over TTA poses exceeds S; 0 = off (default: pseudo.max_tta_std).")
    Double maxTtaStd;

    @Option(names = "--threshold", paramLabel = "T", description = "Mask threshold (default: the ensemble's).")
    Double threshold;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a recipe value (repeatable).")
    List<String> overrides = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        Ensemble e = Ensemble.ofFile(ensemble);
        Recipe r = Checkpoint.load(e.members().get(0)).recipe();
        List<String> o = new ArrayList<>(overrides);
        if (sources != null) {
            o.add("pseudo.sources=" + sources);
        }
        if (low != null) {
            o.add("pseudo.negative_threshold=" + low);
        }
        if (high != null) {
            o.add("pseudo.positive_threshold=" + high);
        }
        if (maxTtaStd != null) {
            o.add("pseudo.max_tta_std=" + maxTtaStd);
        }
        if (!o.isEmpty()) {
            r = Recipes.withOverrides(r, o);
        }
        double t = threshold != null ? threshold : e.threshold();
        try (io.github.hubmapseg.core.io.FolderLock lock = io.github.hubmapseg.core.io.FolderLock.acquire(out,
                "hubmap pseudo --out " + out);
             CompetitionDataset ds = CompetitionDataset.open(data)) {
            List<String> todo = ids != null ? io.github.hubmapseg.pipeline.infer.SlideIds.check(ds, ids)
                    : io.github.hubmapseg.pipeline.Reproduction.pseudoIds(r, ds);
            List<ModelPredictor> ps = e.open();
            List<PseudoLabel> labels;
            try {
                labels = PseudoLabeler.of(r, t).write(ds, todo, ps, out, pw::println);
            } finally {
                ps.forEach(ModelPredictor::close);
            }
            pw.printf(Locale.ROOT, "wrote %s and %s for %d slides (threshold %.3f, uncertain %.3f < p < %.3f%s)%n",
                    out.resolve(PseudoLabels.MASKS), out.resolve(PseudoLabels.UNCERTAIN), labels.size(), t,
                    r.pseudo().negativeThreshold(), r.pseudo().positiveThreshold(),
                    r.pseudo().maxTtaStd() > 0 ? String.format(Locale.ROOT, " or TTA std > %.3f", r.pseudo().maxTtaStd())
                            : "");
        }
        pw.flush();
        return 0;
    }
}
