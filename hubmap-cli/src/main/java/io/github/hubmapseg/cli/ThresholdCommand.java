package io.github.hubmapseg.cli;

import io.github.hubmapseg.pipeline.Reproduction;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.folds.FoldAssignment;
import io.github.hubmapseg.pipeline.folds.Folds;
import io.github.hubmapseg.pipeline.threshold.ThresholdTable;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hubmap threshold}: out-of-fold threshold search for a trained run, saved with its ensemble. */
@Command(name = "threshold", mixinStandardHelpOptions = true,
        description = {"Out-of-fold threshold search for a run folder of 'hubmap train': each fold's best model "
                + "predicts its validation slides; writes RUN/threshold.csv and threshold.png and stores the best "
                + "threshold (mean Dice over slides) in RUN/ensemble.json."})
final class ThresholdCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Competition folder.")
    Path data;

    @Option(names = "--run", required = true, paramLabel = "DIR",
            description = "Run folder with recipe.yaml, folds.json and fold-N/best.zip.")
    Path run;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        Path stored = run.resolve("recipe.yaml");
        Recipe r = Recipes.parseStored(java.nio.file.Files.readString(stored), stored.toString());
        FoldAssignment folds = Folds.load(run.resolve("folds.json"));
        List<Integer> trained = new ArrayList<>();
        List<Reproduction.Run> runs = Reproduction.runs(r, run); // the recipe, its variants or its members
        for (int f : Reproduction.trainedFolds(r, folds)) {
            if (runs.stream().allMatch(x -> Files.exists(x.dir().resolve("fold-" + f).resolve("best.zip")))) {
                trained.add(f);
            }
        }
        List<Path> members = new ArrayList<>();
        for (Reproduction.Run x : runs) {
            for (int f : trained) {
                members.add(x.dir().resolve("fold-" + f).resolve("best.zip"));
            }
        }
        if (members.isEmpty()) {
            throw new IllegalArgumentException("no fold-N/best.zip under " + run + "; run 'hubmap train' first");
        }
        try (io.github.hubmapseg.core.io.FolderLock lock = io.github.hubmapseg.core.io.FolderLock.acquire(run,
                "hubmap threshold");
             CompetitionDataset ds = CompetitionDataset.open(data)) {
            List<io.github.hubmapseg.pipeline.config.Recipe.Infer> settings = Reproduction.checkpointSettings(runs, r,
                    trained.size());
            ThresholdTable t = Reproduction.outOfFold(r, settings, ds, folds, trained, members, run);
            ThresholdTable.Best b = t.best(ThresholdTable.Mode.MEAN_OVER_IMAGES);
            Reproduction.ensemble(members, settings, b.threshold(), true, b.dice()).save(run.resolve("ensemble.json"));
            pw.printf(Locale.ROOT, "best threshold %.2f: out-of-fold mean Dice %.4f (table: %s)%n", b.threshold(),
                    b.dice(), run.resolve("threshold.csv"));
        }
        pw.flush();
        return 0;
    }
}
