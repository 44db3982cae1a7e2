package io.github.hubmapseg.examples;

import io.github.hubmapseg.core.kaggle.SubmissionWriter;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.models.ModelPredictor;
import io.github.hubmapseg.pipeline.infer.ModelPredictors;
import io.github.hubmapseg.pipeline.infer.Overlays;
import io.github.hubmapseg.tiling.Combination;
import io.github.hubmapseg.tiling.D4;
import io.github.hubmapseg.tiling.Engine;
import io.github.hubmapseg.tiling.Member;
import io.github.hubmapseg.tiling.Predictors;
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
 * {@link ModelPredictor}s, each a {@link Member} at its own scale and tile size, the {@link Engine} runs them in one
 * pass and averages them per pixel, and the mask streams to two sinks at once.
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
 *     io.github.hubmapseg.examples.PredictSlideWithEnsemble SLIDE.tiff OUT_DIR ensemble.json|fold-N/best.zip[@reduce=4,tile=256]...
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
        List<String> specs = new ArrayList<>();
        for (Path m : members) {
            specs.add(m.toString());
        }
        return run(slideFile, specs, truth, out, 0);
    }

    /**
     * @param members {@code ensemble.json} files and/or members {@code CHECKPOINT[@key=value,...]} (e.g.
     *                {@code fold-0/best.zip@reduce=4,tile=256}: the member's own settings, see {@link Ensemble.Member})
     * @param unused  distinguishes this overload
     */
    static Result run(Path slideFile, List<String> members, RleRuns truth, Path out, int unused) throws IOException {
        List<Ensemble.Member> entries = new ArrayList<>();
        double threshold = 0.5;
        for (String m : members) {
            if (m.endsWith(".json")) {
                Ensemble e = Ensemble.load(Path.of(m)); // also carries the threshold found by the out-of-fold search
                entries.addAll(e.entries());
                threshold = e.threshold();
            } else {
                entries.add(Ensemble.Member.parse(m));
            }
        }
        Ensemble ensemble = new Ensemble(entries, "mean", threshold, false, Double.NaN);
        String id = slideFile.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Files.createDirectories(out);
        Path png = out.resolve(id + "-mask.png");
        List<ModelPredictor> predictors = new ArrayList<>();
        try (ImageSource slide = ImageSources.open(slideFile); PngMaskWriter pngSink = new PngMaskWriter(png)) {
            List<Member> engineMembers = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                // Tile size, reduce factor and expansion must match what each model was trained for: the member's
                // own settings, else the recipe saved in ITS checkpoint (never another member's).
                Recipe.Infer inf = ensemble.settings(i, List.of());
                ModelPredictor p = ModelPredictors.load(entries.get(i).checkpoint());
                predictors.add(p);
                engineMembers.add(Member.of(Predictors.at(p, inf.reduce(), inf.expansion()), inf.tileSize())
                        .withOverlap(inf.tileSize() / 4).withWeighting(Weighting.gaussian()).withPoses(D4.flips())
                        .withWeight(entries.get(i).weight()));
            }
            // One pass: every member reads the slide at its own scale (only the windows being predicted are read),
            // its rows are brought back to full resolution and averaged per pixel; the mask stage thresholds them
            // and the mask streams to two sinks at once.
            Engine engine = Engine.builder(engineMembers).combination(Combination.mean()).build();
            System.out.println(engine.plan(slide.width(), slide.height(), slide.channels()).describe());
            RleMaskSink rle = new RleMaskSink();
            engine.run(slide, List.of(RowSinks.maskStage(threshold, 0, RowSinks.tee(rle, pngSink))));
            Path csv = out.resolve(id + ".csv");
            try (SubmissionWriter w = SubmissionWriter.submission(csv)) {
                w.add(id, Rle.format(rle.runs()));
            }
            Path overlay = out.resolve(id + "-overlay.png");
            Overlays.write(slide, truth, rle.runs(), 1024, overlay);
            return new Result(csv, png, overlay, rle.runs(), threshold);
        } finally {
            predictors.forEach(ModelPredictor::close);
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
            System.err.println("usage: PredictSlideWithEnsemble SLIDE.tiff OUT_DIR ensemble.json|checkpoint.zip[@key=value,...]...");
            System.exit(2);
        }
        List<String> members = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            members.add(args[i]);
        }
        Result r = run(Path.of(args[0]), members, null, Path.of(args[1]), 0);
        System.out.printf("mask: %d pixels at threshold %.2f%nwrote %s, %s, %s%n", r.runs().area(), r.threshold(),
                r.rleCsv(), r.maskPng(), r.overlayPng());
    }

    private PredictSlideWithEnsemble() {
    }
}
