package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import io.github.hubmapseg.pipeline.train.ModelFactory;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hubmap predict --engine spark} (issue #17) with a real (untrained) DL4J checkpoint: its submission is
 * byte-identical to the one-file {@code predict --out} of the same ensemble, and its options fail in one line.
 */
class SparkEngineCommandTest {
    @TempDir
    Path dir;

    private String[] predict(Path data, Path model, String... more) {
        List<String> a = new ArrayList<>(List.of("predict", "--data", data.toString(), "--ensemble",
                model.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void sparkLocalEqualsTheJvmEngineAndOptionsAreChecked() throws Exception {
        Path data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(4).size(256, 256).patients(2).seed(9).threads(1).testSlides(3).build()
                .write(null);
        Recipe r = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("infer.tile_size=64", "infer.reduce=4",
                "infer.expansion=16", "infer.tta=[hflip]", "model.base_channels=4", "infer.threshold=0.5"));
        Path model = dir.resolve("m.zip");
        try (SegmentationModel m = ModelFactory.create(r)) {
            Checkpoint.of(r, 1, 1, Normalization.scale255(3), List.of(), Double.NaN, 0, m, false).save(model);
        }
        Path ref = dir.resolve("ref.csv");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, predict(data, model, "--out", ref.toString()))).as(err.toString()).isZero();

        out = new StringWriter();
        err = new StringWriter();
        Path sparkDir = dir.resolve("spark");
        assertThat(run(out, err, predict(data, model, "--out-dir", sparkDir.toString(), "--engine", "spark",
                "--master", "local[2]"))).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("cohort: 3 slides").contains("on local[2]")
                .contains("predicted 3 slides, skipped 0");
        assertThat(Files.readAllBytes(sparkDir.resolve("submission.csv"))).isEqualTo(Files.readAllBytes(ref));

        // a broken slide: one error line naming it, no stack trace on stderr (Spark's task logs are off)
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.write(broken.resolve("b1.tiff"), new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0});
        out = new StringWriter();
        err = new StringWriter();
        java.io.ByteArrayOutputStream syserr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(syserr, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(run(out, err, predict(broken, model, "--out-dir", dir.resolve("b-out").toString(),
                    "--engine", "spark", "--master", "local[1]"))).isNotZero();
        } finally {
            System.setErr(old);
        }
        assertThat(err.toString()).startsWith("hubmap: error: spark job failed: ").contains("b1.tiff")
                .doesNotContain("\tat ");
        assertThat(syserr.toString(java.nio.charset.StandardCharsets.UTF_8)).as("the log").doesNotContain("\tat ");
        assertThat(out.toString()).contains("spark: slide b1 failed on executor driver (attempt 1): ");

        // one-line errors for the Spark options, each naming what is wrong
        Path y = dir.resolve("y");
        java.util.Map<String, String[]> bad = new java.util.LinkedHashMap<>();
        bad.put("--engine spark needs --out-dir", predict(data, model, "--out", dir.resolve("x.csv").toString(),
                "--engine", "spark"));
        bad.put("--master needs --engine spark", predict(data, model, "--out-dir", y.toString(), "--master",
                "local[2]"));
        bad.put("got 'flink'", predict(data, model, "--out-dir", y.toString(), "--engine", "flink"));
        bad.put("got 'sparky://h'", predict(data, model, "--out-dir", y.toString(), "--engine", "spark", "--master",
                "sparky://h"));
        bad.put("KEY=VALUE", predict(data, model, "--out-dir", y.toString(), "--engine", "spark", "--spark-conf",
                "spark.executor.memory"));
        bad.put("--shard is for the jvm engine", predict(data, model, "--out-dir", y.toString(), "--engine",
                "spark", "--shard", "0/2"));
        for (var c : bad.entrySet()) {
            StringWriter o = new StringWriter();
            StringWriter e = new StringWriter();
            assertThat(run(o, e, c.getValue())).as(c.getKey()).isNotZero();
            assertThat(e.toString()).as(c.getKey()).doesNotContain("\tat ")
                    .startsWith("hubmap: error: ").contains(c.getKey());
            assertThat(e.toString().lines().findFirst().orElse("")).contains(c.getKey());
        }
    }
}
