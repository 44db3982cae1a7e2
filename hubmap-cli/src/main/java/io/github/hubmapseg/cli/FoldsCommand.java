package io.github.hubmapseg.cli;

import io.github.hubmapseg.pipeline.Reproduction;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.folds.FoldAssignment;
import io.github.hubmapseg.pipeline.folds.Folds;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hubmap folds}: the recipe's cross-validation split of a competition folder, saved for reuse. */
@Command(name = "folds", mixinStandardHelpOptions = true,
        description = {"Split a competition folder's training slides into folds as the recipe's cv section says "
                + "(group k-fold by patient or image, one patient per fold, stratified, ...) and save them "
                + "(.json, or CSV for any other extension)."})
final class FoldsCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Competition folder.")
    Path data;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "folds.json",
            description = "Folds file (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    RecipeOptions recipe = new RecipeOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            FoldAssignment f = Reproduction.folds(recipe.resolve(), ds);
            Folds.save(f, out);
            for (FoldAssignment.Entry e : f.items()) {
                pw.printf("%s patient %s fold %d%n", e.id(), e.group(), e.fold());
            }
            pw.println("wrote " + out + " (" + f.method() + ", k = " + f.k() + ")");
        }
        pw.flush();
        return 0;
    }
}
