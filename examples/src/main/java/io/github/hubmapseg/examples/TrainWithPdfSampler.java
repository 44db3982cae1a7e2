package io.github.hubmapseg.examples;

import io.github.hubmapseg.core.kaggle.AnatomicalStructure;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.models.ModelSummary;
import io.github.hubmapseg.models.Models;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.train.EpochMetrics;
import io.github.hubmapseg.pipeline.train.TrainListener;
import io.github.hubmapseg.pipeline.train.Trainer;
import io.github.hubmapseg.tiling.sample.GridTiles;
import io.github.hubmapseg.tiling.sample.PdfSampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;

/**
 * Training with deepflash2-style sampling (Matthias Griebel's method, used by the seed team that wrote "Random
 * Sampling with a Probability Density Function"): instead of a regular grid, every epoch visits each glomerulus
 * once and then draws tile centres from a density that weighs glomeruli above cortex above medulla, so the model
 * sees far more glomeruli per epoch than grid tiles would show it (most grid tiles are glass or tubules).
 *
 * <p>Part 1 builds a {@link PdfSampler} from a slide's mask and its anatomical-structure polygons with the
 * {@code deepflash2-style} recipe's weights and measures how many of its tiles touch a glomerulus, against the
 * grid. Part 2 trains: the {@code cpu-quick} recipe with {@code data.sampling=pdf}, its U-Net shown with
 * {@link Models} (the {@link Trainer} builds the same model from the recipe), then {@link Trainer} on one
 * training slide, validating on another, writing {@code best.zip}, {@code metrics.csv} and loss/Dice curves.
 *
 * <p>Run (after {@code mvn -q -DskipTests -Dmaven.javadoc.skip=true package} at the repository root):
 * <pre>
 * java -Xmx4g -cp "examples/target/classes:hubmap-cli/target/lib/*" \
 *     io.github.hubmapseg.examples.TrainWithPdfSampler [DATA_DIR [OUT_DIR [KEY=VALUE...]]]
 * </pre>
 * Without an existing {@code DATA_DIR} (default {@code runs/pdf-sampler/data}), 4 synthetic 1024 x 1024 slides are
 * generated there. Default {@code OUT_DIR}: {@code runs/pdf-sampler}.
 */
public final class TrainWithPdfSampler {

    /** Mean share of glomerulus pixels in a PDF tile and in a grid tile, and the training result. */
    public record Result(double pdfShare, double gridShare, Trainer.Result training) {
    }

    /**
     * @param data      competition folder with at least 2 training slides
     * @param out       run folder (created)
     * @param overrides {@code key=value} overrides applied to {@code cpu-quick} after {@code data.sampling=pdf}
     * @param log       progress lines
     * @return the measurements and the training result
     * @throws IOException if data cannot be read or outputs written
     */
    public static Result run(Path data, Path out, List<String> overrides, Consumer<String> log) throws IOException {
        List<String> o = new ArrayList<>(List.of("data.sampling=pdf"));
        o.addAll(overrides);
        Recipe recipe = Recipes.withOverrides(Recipes.defaultRecipe(), o);
        Recipe.Data d = Recipes.builtin("deepflash2-style").data(); // fg 1, cortex 0.5, medulla 0.25, other 0
        int side = recipe.data().tileSize() * recipe.data().reduce(); // a tile in full-resolution pixels
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            List<String> ids = ds.trainIds();
            String id = ids.get(0);
            ImageSource slide = ds.slide(id);
            int w = (int) slide.width();
            int h = (int) slide.height();
            // Part 1: the density on 16-pixel cells (a real slide is 30000 px wide: weights per pixel are wasteful)
            int cell = 16;
            RleRuns mask = ds.mask(id);
            byte[] fg = CompetitionDataset.reduceMask(Rle.decodeWindow(mask, new FinalInterval(w, h)), w, h, cell);
            int cw = (w + cell - 1) / cell;
            int ch = (h + cell - 1) / cell;
            byte[] regions = regions(ds.structures(id), cw, ch, cell);
            PdfSampler pdf = new PdfSampler(fg, regions, cw, ch, d.foregroundWeight(),
                    new double[] {d.otherWeight(), d.cortexWeight(), d.medullaWeight()}, cell);
            double pdfShare = glomerulusFraction(pdf.epoch(42, 64, side), mask);
            double gridShare = glomerulusFraction(GridTiles.regular(w, h, recipe.data().tileSize(),
                    recipe.data().reduce()).tiles(0), mask);
            log.accept(String.format(Locale.ROOT, "%s: %d glomeruli; glomerulus pixels per tile: PDF %.1f %%, grid "
                    + "%.1f %%", id, pdf.componentCount(), 100 * pdfShare, 100 * gridShare));
            // Part 2: the model the Trainer will build, then training
            int b = recipe.model().baseChannels();
            ModelSummary m = Models.builder(recipe.model().architecture(), recipe.model().encoder())
                    .decoderChannels(List.of(8 * b, 4 * b, 2 * b, b, b))
                    .summary(recipe.data().tileSize(), recipe.data().tileSize()); // m.format() prints every layer
            log.accept(String.format(Locale.ROOT, "model %s / %s: %,d trainable parameters, %d layers, output stride %d",
                    m.arch(), m.encoder(), m.trainableParams(), m.layers().size(), m.outputStride()));
            TrainListener progress = new TrainListener() {
                @Override
                public void epoch(int fold, EpochMetrics m, boolean best) {
                    log.accept(String.format(Locale.ROOT, "epoch %d: train loss %.4f, val soft Dice %.4f, %.1f s",
                            m.epoch(), m.trainLoss(), m.softDice(), m.seconds()));
                }
            };
            Trainer.Result r = Trainer.builder(recipe, ds, List.of(id), List.of(ids.get(ids.size() - 1)), out)
                    .threads(2).listener(progress).build().train();
            log.accept("best epoch " + r.bestEpoch() + ": " + r.best());
            return new Result(pdfShare, gridShare, r);
        }
    }

    /** Region code per cell centre: 2 medulla, 1 cortex, 0 elsewhere (the codes {@link PdfSampler} expects). */
    static byte[] regions(List<AnatomicalStructure> structures, int cw, int ch, int cell) {
        byte[] r = new byte[cw * ch];
        for (int y = 0; y < ch; y++) {
            for (int x = 0; x < cw; x++) {
                double px = (x + 0.5) * cell;
                double py = (y + 0.5) * cell;
                for (AnatomicalStructure s : structures) {
                    byte code = (byte) (s.name().equalsIgnoreCase("Medulla") ? 2
                            : s.name().equalsIgnoreCase("Cortex") ? 1 : 0);
                    if (code > r[y * cw + x] && s.polygons().stream().anyMatch(p -> p.contains(px, py))) {
                        r[y * cw + x] = code;
                    }
                }
            }
        }
        return r;
    }

    /** Mean fraction of glomerulus pixels in the tiles (full-resolution intervals). */
    static double glomerulusFraction(Iterator<Interval> tiles, RleRuns mask) {
        int n = 0;
        double sum = 0;
        while (tiles.hasNext()) {
            byte[] m = Rle.decodeWindow(mask, tiles.next());
            long fg = 0;
            for (byte v : m) {
                fg += v;
            }
            sum += fg / (double) m.length;
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    /**
     * Command line entry point; see the class comment.
     *
     * @param args {@code [DATA_DIR [OUT_DIR [KEY=VALUE...]]]}
     * @throws IOException if data cannot be read or outputs written
     */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 1 ? args[1] : "runs/pdf-sampler");
        Path data = Path.of(args.length > 0 ? args[0] : "runs/pdf-sampler/data");
        if (!Files.exists(data.resolve("train.csv"))) {
            System.out.println("generating 4 synthetic slides in " + data);
            SyntheticDataset.builder(data).slides(4).size(1024, 1024).patients(2).seed(42).build()
                    .write(new SyntheticDataset.Listener() {
                    });
        }
        List<String> overrides = args.length > 2 ? List.of(args).subList(2, args.length) : List.of();
        Result r = run(data, out, overrides, System.out::println);
        System.out.printf(Locale.ROOT, "PDF tiles hold %.1f times as many glomerulus pixels as grid tiles%n",
                r.pdfShare() / Math.max(1e-9, r.gridShare()));
    }

    private TrainWithPdfSampler() {
    }
}
