package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.metrics.DiceCounts;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hubmap dice PRED TRUTH}: the Dice coefficient of two PNG/TIFF masks of the same size (non-zero
 * pixels are foreground; 1.0 when both are empty).
 */
@Command(name = "dice", mixinStandardHelpOptions = true,
        description = {"Print the Dice coefficient of two PNG/TIFF masks (non-zero = foreground), or of two Kaggle",
                "CSVs (id,encoding or id,predicted): Dice per image and the mean over images."})
final class DiceCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PRED", description = "Predicted mask (.png, .tif) or CSV.")
    Path pred;

    @Parameters(index = "1", paramLabel = "TRUTH", description = "Ground-truth mask (.png, .tif) or CSV.")
    Path truth;

    @Option(names = "--counts", description = "Also print intersection, pred and truth pixel counts.")
    boolean counts;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        boolean predCsv = pred.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv");
        boolean truthCsv = truth.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv");
        if (predCsv || truthCsv) {
            if (!(predCsv && truthCsv)) {
                throw new IllegalArgumentException("compare two masks or two CSVs, got " + pred + " and " + truth);
            }
            EvaluateCommand.evaluate(pred, truth, null, spec.commandLine().getOut());
            return 0;
        }
        BufferedImage p = MaskImages.read(pred);
        BufferedImage t = MaskImages.read(truth);
        if (p.getWidth() != t.getWidth() || p.getHeight() != t.getHeight()) {
            throw new IllegalArgumentException("masks must have the same size, got " + p.getWidth() + "x" + p.getHeight()
                    + " (" + pred + ") and " + t.getWidth() + "x" + t.getHeight() + " (" + truth + ")");
        }
        DiceCounts c = Dice.counts(MaskImages.mask(p), MaskImages.mask(t));
        PrintWriter out = spec.commandLine().getOut();
        if (counts) {
            out.printf("dice %s intersection %d pred %d truth %d%n", c.dice(), c.intersection(), c.predSum(), c.truthSum());
        } else {
            out.println(c.dice());
        }
        out.flush();
        return 0;
    }
}
