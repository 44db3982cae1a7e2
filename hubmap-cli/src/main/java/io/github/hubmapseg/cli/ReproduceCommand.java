package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.synth.SynthProfile;
import io.github.hubmapseg.pipeline.Reproduction;
import io.github.hubmapseg.pipeline.train.EpochMetrics;
import io.github.hubmapseg.pipeline.train.TrainListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hubmap reproduce}: the whole Kaggle pipeline in one command (synthetic data by default). */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Reproduce a winning pipeline: (generate synthetic data,) make folds by patient, train the "
                + "recipe's folds, search the threshold out of fold, predict the test slides into submission.csv, "
                + "score it against the test truth when present and print a report."})
final class ReproduceCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR",
            description = "Competition folder (Kaggle layout or 'hubmap synth' output). Default: generate synthetic "
                    + "slides into OUT/data.")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/reproduce",
            description = "Run folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    RecipeOptions recipe = new RecipeOptions();

    @Option(names = "--slides", paramLabel = "N", defaultValue = "16",
            description = "Synthetic slides, train and test (default: ${DEFAULT-VALUE}).")
    int slides;

    @Option(names = "--test-slides", paramLabel = "N", defaultValue = "8",
            description = "Synthetic test slides among them (default: ${DEFAULT-VALUE}; -1: a quarter).")
    int testSlides;

    @Option(names = "--size", paramLabel = "PIXELS", defaultValue = "4096",
            description = "Side of the square synthetic slides (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--profile", paramLabel = "P", defaultValue = "hard",
            description = "Synthetic profile: hard or easy (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--threads", paramLabel = "T", description = "Data loader threads (default: min(4, CPUs)).")
    Integer threads;

    @Option(names = "--no-overlays", description = "Do not draw overlay PNGs of the test slides.")
    boolean noOverlays;

    @Option(names = "--force-new", description = "Train every fold from scratch, deleting the checkpoints of an "
            + "earlier run in OUT, instead of resuming them (a resume with a recipe that differs in a key other than "
            + "train.epochs, infer.* and the descriptions is refused).")
    boolean forceNew;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        Reproduction.Builder b = Reproduction.builder(out).data(data).recipe(recipe.resolve())
                .synthetic(slides, size, 4, 42).syntheticProfile(SynthProfile.parse(profile), testSlides)
                .overlays(!noOverlays).forceNew(forceNew).log(s -> {
                    pw.println(s);
                    pw.flush();
                }).trainListener(listener(pw));
        if (threads != null) {
            b.threads(threads);
        }
        Reproduction.Report r = b.build().run();
        pw.println();
        pw.print(r.text());
        pw.flush();
        return 0;
    }

    static TrainListener listener(PrintWriter pw) {
        boolean tty = System.console() != null;
        return new TrainListener() {
            @Override
            public void step(int epoch, int batch, int batches, double loss) {
                if (tty) {
                    int w = 30;
                    int done = batch * w / batches;
                    pw.printf(Locale.ROOT, "\r  epoch %d [%s%s] %d/%d loss %.4f", epoch, "#".repeat(done),
                            " ".repeat(w - done), batch, batches, loss);
                    pw.flush();
                }
            }

            @Override
            public void epoch(int fold, EpochMetrics m, boolean best) {
                pw.printf(Locale.ROOT, "%s  fold %d epoch %d: loss %.4f, val soft Dice %.4f, hard Dice %.4f, "
                                + "lr %.2e, %.1f s%s%n", tty ? "\r" : "", fold, m.epoch(), m.trainLoss(), m.softDice(),
                        m.hardDice(), m.lr(), m.seconds(), best ? " (best)" : "");
                pw.flush();
            }
        };
    }
}
