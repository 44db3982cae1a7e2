package io.github.hubmapseg.benchmarks.cohort;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.benchmarks.tiling.WholeSlideBenchmark;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.cohort.Cohort;
import io.github.hubmapseg.pipeline.cohort.CohortJob;
import io.github.hubmapseg.pipeline.cohort.CohortPredictor;
import io.github.hubmapseg.pipeline.cohort.CohortRuns;
import io.github.hubmapseg.pipeline.cohort.CohortSlide;
import io.github.hubmapseg.pipeline.cohort.Cohorts;
import io.github.hubmapseg.pipeline.cohort.Shard;
import io.github.hubmapseg.pipeline.cohort.UnitOutputs;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.infer.Inference;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import io.github.hubmapseg.pipeline.train.ModelFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A synthetic cohort ({@code slides} test slides of {@code size}^2, the hard profile's default generator) predicted
 * in one JVM, one op = the whole cohort:
 * <ul>
 *   <li>{@code engine}: the bare engine, slide after slide (open, one pass, RLE text), no file written: the
 *       baseline;</li>
 *   <li>{@code units}: {@link CohortRuns#predict} into an empty folder: the same passes plus every unit's
 *       {@code mask.rle} and record (atomic writes, hashes), the manifest, {@code submission.csv} and the report;</li>
 *   <li>{@code resume}: {@link CohortRuns#predict} into the folder of a finished run: every record checked (slide
 *       stat, row hash), nothing predicted, the submission assembled again.</li>
 * </ul>
 * The synthetic {@code test_truth.csv} is removed (no Dice per slide, as for a real cohort).
 * {@code predictor=mean} (p = channel mean / 255, {@link WholeSlideBenchmark.MeanPredictor}) makes the engine's share small, so {@code units / engine} shows the
 * bookkeeping's cost; {@code predictor=cpu-quick} runs the cpu-quick recipe's model (untrained weights: the same
 * arithmetic as a trained one) with its inference settings (reduce 4, 128-pixel tiles, expansion 32, flip TTA):
 * slides/hour = 3600 * slides / (s/op), MP/s = slides * size^2 / 1e6 / (s/op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class CohortBenchmark {

    @Param("8")
    public int slides;

    @Param("2048")
    public int size;

    @Param({"mean", "cpu-quick"})
    public String predictor;

    private Path dir;
    private Cohort cohort;
    private CohortPredictor units;
    private Path out;
    private Path done;
    private int run;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("hubmap-cohort-bench-");
        Path data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(slides + 1).size(size, size).patients(2).seed(1).threads(2)
                .testSlides(slides).build().write(new SyntheticDataset.Listener() {
                });
        // no masks: a real cohort has none, and the Dice per slide is not bookkeeping
        Files.delete(data.resolve("test_truth.csv"));
        cohort = Cohorts.open(data, null);
        if (predictor.equals("mean")) {
            Inference inf = new Inference(Recipes.defaultRecipe().infer(), 0.5, null);
            units = CohortPredictor.of(inf, List.of(new WholeSlideBenchmark.MeanPredictor()), "mean", UnitOutputs.NONE);
        } else {
            Recipe r = Recipes.builtin(predictor);
            Path model = dir.resolve("model.zip");
            try (SegmentationModel m = ModelFactory.create(r)) {
                Checkpoint.of(r, 1, 1, Normalization.scale255(3), List.of(), Double.NaN, 0, m, false).save(model);
            }
            units = CohortPredictor.load(new CohortJob(model.toString(), null, null, 0.5, List.of(), null), null);
        }
        done = dir.resolve("done");
        CohortRuns.predict(units, cohort, Shard.ALL, done, null, null);
    }

    @Setup(Level.Iteration)
    public void freshFolder() {
        out = dir.resolve("out-" + run++);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        units.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public long engine() throws IOException {
        long n = 0;
        for (CohortSlide s : cohort.slides()) {
            try (ImageSource src = ImageSources.open(s.path())) {
                n += Rle.format(units.inference().predictRuns(src, units.predictors())).length();
            }
        }
        return n;
    }

    @Benchmark
    public int units() throws IOException {
        return CohortRuns.predict(units, cohort, Shard.ALL, out, null, null).predicted();
    }

    @Benchmark
    public int resume() throws IOException {
        return CohortRuns.predict(units, cohort, Shard.ALL, done, null, null).skipped();
    }
}
