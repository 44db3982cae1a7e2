package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.io.FolderLock;
import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.pipeline.infer.Inference;
import io.github.hubmapseg.models.ModelPredictor;
import io.github.hubmapseg.pipeline.infer.Overlays;
import io.github.hubmapseg.pipeline.infer.PolygonOutput;
import io.github.hubmapseg.pipeline.infer.PredictionMemory;
import io.github.hubmapseg.pipeline.infer.SlideIds;
import io.github.hubmapseg.pipeline.infer.ProbabilityTiffOutput;
import io.github.hubmapseg.pipeline.infer.PyramidTiffSink;
import io.github.hubmapseg.tiling.Vectorization;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hubmap predict}: an ensemble over a competition folder's test slides into a submission CSV. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict slides with an ensemble (ensemble.json, a checkpoint .zip, or members "
                + "CHECKPOINT[@key=value,...]) and write a Kaggle submission, streaming each mask to RLE. Each member "
                + "runs with its own settings (reduce, tile, expansion, overlap, blending, TTA: its own keys, else its "
                + "checkpoint's recipe), all members in one pass per slide; --set infer.KEY=VALUE overrides every "
                + "member. The submission, --probability-tiff, --geojson and --overlays all come from that pass."})
final class PredictCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR|CSV",
            description = "Competition folder (its test slides); with --out-dir also a folder of .tif/.tiff slides "
                    + "or a CSV listing slide files (column 'path', relative to the CSV; optional column 'id').")
    Path data;

    @Option(names = "--ensemble", paramLabel = "FILE",
            description = "ensemble.json from 'hubmap train' / 'hubmap reproduce' / 'hubmap ensemble', or a "
                    + "checkpoint .zip.")
    Path ensemble;

    @Parameters(paramLabel = "MEMBER", arity = "0..*",
            description = "Instead of --ensemble: members CHECKPOINT[@key=value,...] as for 'hubmap ensemble'.")
    List<String> members = new ArrayList<>();

    @Option(names = "--combine", paramLabel = "mean|vote:K",
            description = "How members are combined (default: the ensemble's, else the first member's recipe).")
    String combine;

    @Option(names = "--out", paramLabel = "CSV",
            description = "Submission file (default: submission.csv); written once every slide is predicted.")
    Path out;

    @Option(names = "--out-dir", paramLabel = "DIR",
            description = "Per-slide work units instead: each slide's outputs and record under DIR/slides/<id>/, "
                    + "written atomically; a rerun skips the slides whose record matches the models, settings and "
                    + "input file, and redoes the rest; then DIR/submission.csv and DIR/report.txt.")
    Path outDir;

    @Option(names = "--shard", paramLabel = "I/N",
            description = "With --out-dir: only every N-th slide of the cohort's stable order, from the I-th (I from "
                    + "0), for job arrays; assemble the shards' folders with 'hubmap merge'.")
    String shard;

    @Option(names = "--ids", split = ",", paramLabel = "ID", description = "Slides to predict (default: the test slides).")
    List<String> ids;

    @Option(names = "--threshold", paramLabel = "T", description = "Mask threshold (default: the ensemble's).")
    Double threshold;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a recipe value (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--tissue-filter", paramLabel = "S",
            description = "Skip windows without tissue (10th place, iafoss's rule; saturation threshold, e.g. 40): "
                    + "they get probability 0 without a model call. Same as --set post.tissue_filter=S.")
    Integer tissueFilter;

    @Option(names = "--crf", negatable = true, description = "DenseCRF per overlapping patch as team B (the mask is "
            + "the CRF's MAP label). Same as --set post.crf=true.")
    Boolean crf;

    @Option(names = "--energy-threshold", paramLabel = "E", description = "Drop predicted components whose mean "
            + "energy score -log(1-p) is below E (10th place). Same as --set post.energy_threshold=E.")
    Double energyThreshold;

    @Option(names = "--otsu-below", paramLabel = "PIXELS", description = "Use Otsu's threshold for a slide whose "
            + "mask has fewer level-0 pixels (10th place: 40000). Same as --set post.otsu_below=PIXELS.")
    Integer otsuBelow;

    @Option(names = "--overlays", paramLabel = "DIR", arity = "0..1", fallbackValue = "",
            description = "Also write overlay PNGs here (with --out-dir: no folder, each goes to its unit).")
    Path overlays;

    @Option(names = "--probability-tiff", paramLabel = "DIR", arity = "0..1", fallbackValue = "",
            description = "Also write each slide's combined probability map as a pyramidal OME-TIFF DIR/<id>.ome.tif "
                    + "(tiled BigTIFF, reduced levels as SubIFDs; opens in QuPath, Bio-Formats, tifffile), from the "
                    + "same inference pass (with --out-dir: no folder, each goes to its unit).")
    Path probabilityTiff;

    @Option(names = "--tiff-format", paramLabel = "uint8|float32", defaultValue = "uint8",
            description = "Sample type of --probability-tiff: uint8 = round(255 p) or float32 (default: ${DEFAULT-VALUE}).")
    String tiffFormat;

    @Option(names = "--tiff-tile", paramLabel = "PX", defaultValue = "256",
            description = "Tile side of --probability-tiff, a multiple of 16 (default: ${DEFAULT-VALUE}).")
    int tiffTile;

    @Option(names = "--geojson", paramLabel = "DIR", arity = "0..1", fallbackValue = "",
            description = "Also write each slide's predicted glomeruli as QuPath GeoJSON DIR/<id>.geojson (polygons "
                    + "with holes, level-0 pixels, area and mean probability), traced from the same inference pass "
                    + "(with --out-dir: no folder, each goes to its unit).")
    Path geojson;

    @CommandLine.Mixin
    GeoJsonOutputOptions geo = new GeoJsonOutputOptions();

    @CommandLine.Mixin
    SparkEngineOptions engine = new SparkEngineOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (engine.spark()) {
            return SparkPredict.run(this, engine.settings());
        }
        if (outDir != null) {
            return CohortPredict.run(this);
        }
        if (shard != null) {
            throw new IllegalArgumentException("--shard needs --out-dir (each shard writes its slides' units)");
        }
        for (Path p : java.util.Arrays.asList(overlays, probabilityTiff, geojson)) {
            if (p != null && p.toString().isEmpty()) {
                throw new IllegalArgumentException("--overlays, --probability-tiff and --geojson need a folder "
                        + "(without --out-dir)");
            }
        }
        if (out == null) {
            out = Path.of("submission.csv");
        }
        PrintWriter pw = spec.commandLine().getOut();
        Ensemble e = EnsembleCommand.ensemble(ensemble, members, combine);
        PyramidTiffSink.Format format = switch (tiffFormat.toLowerCase(Locale.ROOT)) {
            case "uint8" -> PyramidTiffSink.Format.UINT8;
            case "float32" -> PyramidTiffSink.Format.FLOAT32;
            default -> throw new IllegalArgumentException("--tiff-format must be uint8 or float32, got '" + tiffFormat
                    + "'");
        };
        if (tiffTile <= 0 || tiffTile % 16 != 0) {
            throw new IllegalArgumentException("--tiff-tile must be a positive multiple of 16, got " + tiffTile);
        }
        ProbabilityTiffOutput tiff = probabilityTiff == null ? null
                : new ProbabilityTiffOutput(probabilityTiff, format, tiffTile);
        PolygonOutput polygons = geojson == null ? null
                : new PolygonOutput(geojson, geo.options(), geo.simplify());
        overrides = sets();
        var rec = e.ensembleRecipe(overrides);
        Inference inference = e.inference(overrides, threshold, null)
                .withPost(Inference.post(rec.post(), rec.infer().reduce()), m -> pw.println("post: " + m));
        for (String line : e.describe(overrides)) {
            pw.println(line);
        }
        pw.printf(Locale.ROOT, "combine: %s, threshold %s%n", inference.combination(), inference.threshold());
        pw.flush();
        Path folder = out.toAbsolutePath().getParent();
        try (FolderLock lock = FolderLock.acquire(folder, "hubmap predict --out " + out);
             CompetitionDataset ds = CompetitionDataset.open(data)) {
            List<String> todo = ids != null ? SlideIds.check(ds, ids) : ds.testIds();
            List<ModelPredictor> ps = e.open();
            Map<String, RleRuns> pred;
            try {
                checkMemory(inference, rec.infer(), ps, ds, todo);
                if (!todo.isEmpty()) {
                    var s = ds.slide(todo.get(0)); // the dataset closes it
                    pw.println("memory plan for " + todo.get(0) + ":");
                    pw.println(inference.engine(ps).plan(s.width(), s.height(), s.channels()).describe());
                    pw.println("tiling kernels: " + Vectorization.describe());
                    pw.flush();
                }
                Map<String, Inference.SlideResult> results = inference.predictSlides(ds, todo, ps, out, polygons, tiff);
                pred = new java.util.LinkedHashMap<>();
                for (Map.Entry<String, Inference.SlideResult> r : results.entrySet()) {
                    pred.put(r.getKey(), r.getValue().runs());
                    if (tiff != null) {
                        pw.printf(Locale.ROOT, "wrote %s (%d levels)%n", tiff.file(r.getKey()),
                                r.getValue().tiffLevels());
                    }
                }
                if (polygons != null) {
                    pw.printf(Locale.ROOT, "wrote %d GeoJSON files to %s%n", todo.size(), geojson);
                }
            } finally {
                ps.forEach(ModelPredictor::close);
            }
            for (String id : todo) {
                if (ds.hasMask(id)) {
                    pw.printf(Locale.ROOT, "%s: Dice %.4f%n", id, Dice.dice(pred.get(id), ds.mask(id)));
                }
                if (overlays != null) {
                    Overlays.write(ds.slide(id), ds.hasMask(id) ? ds.mask(id) : null, pred.get(id), 1024,
                            overlays.resolve(id + ".png"));
                }
            }
        }
        pw.println("wrote " + out + " (threshold " + inference.threshold() + ")");
        pw.flush();
        return 0;
    }

    /** {@code --set} values plus the post-processing options as {@code post.KEY=VALUE}. */
    List<String> sets() {
        List<String> sets = new ArrayList<>(overrides);
        if (tissueFilter != null) {
            sets.add("post.tissue_filter=" + tissueFilter);
        }
        if (crf != null) {
            sets.add("post.crf=" + crf);
        }
        if (energyThreshold != null) {
            sets.add("post.energy_threshold=" + energyThreshold);
        }
        if (otsuBelow != null) {
            sets.add("post.otsu_below=" + otsuBelow);
        }
        return sets;
    }

    /** Refuses, before any tile is read, a prediction whose memory estimate exceeds the heap or native cap. */
    private static void checkMemory(Inference inference, io.github.hubmapseg.pipeline.config.Recipe.Infer infer,
                                    List<ModelPredictor> ps, CompetitionDataset ds, List<String> todo)
            throws java.io.IOException {
        io.github.hubmapseg.core.slide.ImageSource widest = null;
        for (String id : todo) {
            io.github.hubmapseg.core.slide.ImageSource s = ds.slide(id);
            if (widest == null || s.width() > widest.width()) {
                widest = s;
            }
        }
        if (widest != null) {
            PredictionMemory.estimate(inference, infer, ps, widest).check();
        }
    }
}
