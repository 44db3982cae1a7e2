package io.github.hubmapseg.examples;

import io.github.hubmapseg.core.kaggle.SubmissionWriter;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.pipeline.infer.ModelPredictor;
import io.github.hubmapseg.pipeline.infer.Overlays;
import io.github.hubmapseg.pipeline.infer.ReducedImageSource;
import io.github.hubmapseg.pipeline.infer.UpsampleSinks;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import io.github.hubmapseg.tiling.D4;
import io.github.hubmapseg.tiling.SlidingWindow;
import io.github.hubmapseg.tiling.Weighting;
import io.github.hubmapseg.tiling.sink.PngMaskWriter;
import io.github.hubmapseg.tiling.sink.RleMaskSink;
import io.github.hubmapseg.tiling.sink.RowSinks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Predicts one whole slide with an ensemble of fold models and test-time augmentation, written as a Kaggle RLE
 * line, a full-resolution 1-bit PNG mask and an overlay thumbnail. It assembles the pieces by hand (the
 * {@code Inference} class and {@code hubmap predict} do the same from a recipe): checkpoints become
 * {@link ModelPredictor}s, {@link SlidingWindow} averages them, and the mask streams to two sinks at once.
 *
 * <p>Choices, from the write-ups: every fold model counts equally (mean of probabilities, "the simplest possible
 * combination strategy" of one team; 3rd place averaged 2 x 5 fold models); flip TTA (identity, h-flip, v-flip,
 * 180 degrees: 10th place used h/v flips; another team's 5-fold ensemble went from 0.9288 to 0.9316 with flip and
 * transpose TTA); expansion tiles from the members' recipe (3rd place: the model sees a border of context that is
 * thrown away); overlapping tiles with Gaussian blending (10th place, after nnU-Net: centre pixels weigh more than
 * tile borders).
 *
 * <p>Run (after {@code mvn -q -DskipTests -Dmaven.javadoc.skip=true package} and a training run, e.g.
 * {@code ThirdPlaceReproduction --quick}):
 * <pre>
 * java -Xmx4g -cp "examples/target/classes:hubmap-cli/target/lib/*" \
 *     io.github.hubmapseg.examples.PredictSlideWithEnsemble SLIDE.tiff OUT_DIR ensemble.json|fold-N/best.zip...
 * </pre>
 */
public final class PredictSlideWithEnsemble {

    /** What was written: the RLE CSV, the mask PNG, the overlay PNG, the mask runs and the threshold used. */
    public record Result(Path rleCsv, Path maskPng, Path overlayPng, RleRuns runs, double threshold) {
    }

    /**
     * @param slideFile the slide (TIFF)
     * @param members   {@code ensemble.json} files and/or checkpoint {@code .zip} files
     * @param truth     the slide's truth for the overlay (outlined in green), or {@code null}
     * @param out       output folder (created)
     * @return what was written
     * @throws IOException if a file cannot be read or written
     */
    public static Result run(Path slideFile, List<Path> members, RleRuns truth, Path out) throws IOException {
        List<Path> checkpoints = new ArrayList<>();
        double threshold = 0.5;
        for (Path m : members) {
            if (m.toString().endsWith(".json")) {
                Ensemble e = Ensemble.load(m); // also carries the threshold found by the out-of-fold search
                checkpoints.addAll(e.members());
                threshold = e.threshold();
            } else {
                checkpoints.add(m);
            }
        }
        // Tile size, reduce factor and expansion must match what the models were trained for: take the recipe
        // saved in the first checkpoint.
        Recipe.Infer inf = Checkpoint.load(checkpoints.get(0)).recipe().infer();
        SlidingWindow engine = SlidingWindow.builder(inf.tileSize()).overlap(0.25).expand(inf.expansion())
                .weighting(Weighting.gaussian()).tta(D4.flips()).mean().threshold(threshold).build();
        String id = slideFile.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Files.createDirectories(out);
        Path png = out.resolve(id + "-mask.png");
        List<ModelPredictor> ensemble = new ArrayList<>();
        try (ImageSource slide = ImageSources.open(slideFile); PngMaskWriter pngSink = new PngMaskWriter(png)) {
            for (Path c : checkpoints) {
                ensemble.add(ModelPredictor.load(c));
            }
            // The models work at 1/reduce of the resolution: read a reduced view of the slide (only the windows
            // being predicted are read) and bring the mask rows back to full resolution on their way out.
            int r = inf.reduce();
            ImageSource input = r == 1 ? slide : new ReducedImageSource(slide, r);
            RleMaskSink rle = new RleMaskSink();
            engine.runMask(input, ensemble, UpsampleSinks.mask(slide.width(), slide.height(), r,
                    RowSinks.tee(rle, pngSink)));
            Path csv = out.resolve(id + ".csv");
            try (SubmissionWriter w = SubmissionWriter.submission(csv)) {
                w.add(id, Rle.format(rle.runs()));
            }
            Path overlay = out.resolve(id + "-overlay.png");
            Overlays.write(slide, truth, rle.runs(), 1024, overlay);
            return new Result(csv, png, overlay, rle.runs(), threshold);
        } finally {
            ensemble.forEach(ModelPredictor::close);
        }
    }

    /**
     * Command line entry point; see the class comment.
     *
     * @param args {@code SLIDE OUT_DIR MEMBER...}
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: PredictSlideWithEnsemble SLIDE.tiff OUT_DIR ensemble.json|checkpoint.zip...");
            System.exit(2);
        }
        List<Path> members = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            members.add(Path.of(args[i]));
        }
        Result r = run(Path.of(args[0]), members, null, Path.of(args[1]));
        System.out.printf("mask: %d pixels at threshold %.2f%nwrote %s, %s, %s%n", r.runs().area(), r.threshold(),
                r.rleCsv(), r.maskPng(), r.overlayPng());
    }

    private PredictSlideWithEnsemble() {
    }
}
