package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.io.FolderLock;
import io.github.hubmapseg.pipeline.RecipeCheck;
import io.github.hubmapseg.pipeline.Reproduction;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.folds.FoldAssignment;
import io.github.hubmapseg.pipeline.folds.Folds;
import io.github.hubmapseg.pipeline.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hubmap train}: trains a recipe's folds on a competition folder (resumes interrupted folds). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a recipe's folds on a competition folder; writes OUT/fold-N/{best,last}.zip, metrics.csv, "
                + "loss.png, dice.png and OUT/ensemble.json (threshold from the recipe; run 'hubmap threshold' to "
                + "search it). An interrupted run resumes from each fold's last.zip (not with another recipe: see "
                + "--force-new). OUT is locked while training: a second 'hubmap train' into it fails at once. A recipe "
                + "with members trains every member's folds in OUT/member-<i>/fold-N."})
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Competition folder.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder.")
    Path out;

    @Option(names = "--folds", paramLabel = "FILE",
            description = "Folds file from 'hubmap folds' (default: OUT/folds.json if present, else made from the recipe).")
    Path foldsFile;

    @Mixin
    RecipeOptions recipe = new RecipeOptions();

    @Option(names = "--threads", paramLabel = "T", defaultValue = "2",
            description = "Data loader threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--force-new", description = "Start every fold over, deleting its checkpoints, instead of "
            + "resuming (a resume with a recipe that differs in a key other than train.epochs, infer.* and the "
            + "descriptions is refused).")
    boolean forceNew;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        Recipe r = recipe.resolve();
        RecipeCheck.beforeRun(r, "hubmap train"); // a key nothing reads fails now, not after the first fold
        try (FolderLock lock = FolderLock.acquire(out, "hubmap train");
             CompetitionDataset ds = CompetitionDataset.open(data)) {
            lock.takenOver().ifPresent(h -> pw.println("took over the lock of " + h.describe()
                    + ", which ended without releasing it"));
            Path ff = foldsFile != null ? foldsFile : out.resolve("folds.json");
            FoldAssignment folds = Files.exists(ff) ? Folds.load(ff) : Reproduction.folds(r, ds);
            Folds.save(folds, out.resolve("folds.json"));
            Recipes.save(r, out.resolve("recipe.yaml"));
            List<Trainer.Result> res = Reproduction.trainFolds(r, ds, folds, out, threads, s -> {
                pw.println(s);
                pw.flush();
            }, ReproduceCommand.listener(pw), forceNew);
            List<Path> members = new ArrayList<>();
            for (Trainer.Result x : res) {
                members.add(x.best());
                pw.printf(Locale.ROOT, "%s: best epoch %d (score %.4f)%n", x.best(), x.bestEpoch(), x.bestScore());
            }
            // with members (10th place: reduce 2, 3, 4), every entry names its member's own scale and tile
            Reproduction.ensemble(members, Reproduction.checkpointSettings(Reproduction.runs(r, out), r,
                    Reproduction.trainedFolds(r, folds).size()), r.infer().threshold(), false, Double.NaN)
                    .save(out.resolve("ensemble.json"));
            pw.println("ensemble: " + out.resolve("ensemble.json"));
        }
        pw.flush();
        return 0;
    }
}
