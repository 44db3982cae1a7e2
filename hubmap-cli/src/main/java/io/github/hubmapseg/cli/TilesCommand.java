package io.github.hubmapseg.cli;

import io.github.hubmapseg.pipeline.EpochTiles;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hubmap tiles}: the tiles one training epoch of a recipe draws, one CSV row each. */
@Command(name = "tiles", mixinStandardHelpOptions = true,
        description = {"List the tiles one training epoch would draw (the fold's training slides, the recipe's "
                + "sampling, shift, saturation filter, bins, crops or pdf), one row each: "
                + EpochTiles.HEADER + " (regions in level-0 pixels before augmentation; masked_fraction at the "
                + "recipe's reduce). --preview writes a contact sheet of the first tiles with their masks."})
final class TilesCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Competition folder.")
    Path data;

    @Mixin
    RecipeOptions recipe = new RecipeOptions();

    @Option(names = "--fold", paramLabel = "N", defaultValue = "0",
            description = "Fold whose training slides are sampled (default: ${DEFAULT-VALUE}).")
    int fold;

    @Option(names = "--epoch", paramLabel = "E", defaultValue = "0",
            description = "Epoch number from 0 (default: ${DEFAULT-VALUE}).")
    int epoch;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "CSV file to write.")
    Path out;

    @Option(names = "--preview", paramLabel = "DIR",
            description = "Also write DIR/tiles-<recipe>-fold<N>-epoch<E>.png: the first --preview-count tiles, glomeruli green.")
    Path preview;

    @Option(names = "--preview-count", paramLabel = "N", defaultValue = "64",
            description = "Tiles on the contact sheet (default: ${DEFAULT-VALUE}).")
    int previewCount;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        Recipe r = recipe.resolve();
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            List<EpochTiles.Row> rows = EpochTiles.list(ds, r, fold, epoch);
            EpochTiles.writeCsv(rows, out);
            long empty = rows.stream().filter(x -> x.maskedFraction() == 0).count();
            double mean = rows.stream().mapToDouble(EpochTiles.Row::maskedFraction).average().orElse(0);
            pw.printf(Locale.ROOT, "wrote %s: %d tiles of %s (%s sampling), %d empty, mean masked fraction %.4f%n",
                    out, rows.size(), r.name(), r.data().sampling(), empty, mean);
            if (preview != null) {
                Files.createDirectories(preview);
                Path png = preview.resolve("tiles-" + r.name() + "-fold" + fold + "-epoch" + epoch + ".png");
                EpochTiles.writePreview(ds, rows, previewCount, 128, png);
                pw.println("wrote " + png);
            }
        }
        pw.flush();
        return 0;
    }
}
