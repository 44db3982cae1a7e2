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
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hubmap predict --out-dir / --shard} and {@code hubmap merge} (issue #17): the reference is the one-file
 * {@code hubmap predict --out} of the same ensemble, a path that has no units.
 */
class CohortCommandsTest {
    @TempDir
    static Path dir;
    static Path data;
    static Path model;

    @BeforeAll
    static void cohortAndAnUntrainedCheckpoint() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(5).size(256, 256).patients(2).seed(5).threads(1).testSlides(4).build()
                .write(new SyntheticDataset.Listener() {
                });
        Recipe r = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("infer.tile_size=64", "infer.reduce=4",
                "infer.expansion=16", "infer.tta=[hflip]", "model.base_channels=4", "infer.threshold=0.5"));
        model = dir.resolve("m.zip");
        try (SegmentationModel m = ModelFactory.create(r)) {
            Checkpoint.of(r, 1, 1, Normalization.scale255(3), List.of(), Double.NaN, 0, m, false).save(model);
        }
    }

    private static String ok(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, args)).as(out + "\n" + err).isZero();
        return out.toString();
    }

    private static String fails(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, args)).as(out.toString()).isNotZero();
        assertThat(err.toString()).doesNotContain("\tat ");
        return err.toString();
    }

    private static String[] predict(String... more) {
        return predictOn(data, more);
    }

    private static String[] predictOn(Path input, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("predict", "--data", input.toString(), "--ensemble",
                model.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void outDirEqualsOutAndShardsMergedEqualTheUnshardedRun(@TempDir Path tmp) throws Exception {
        Path ref = tmp.resolve("ref.csv");
        ok(predict("--out", ref.toString(), "--geojson", tmp.resolve("refgeo").toString()));
        String log = ok(predict("--out-dir", tmp.resolve("all").toString(), "--geojson"));
        assertThat(log).contains("cohort: 4 slides").contains("predicted 4 slides, skipped 0")
                .contains("slide 4/4").contains("ETA");
        assertThat(Files.readAllBytes(tmp.resolve("all/submission.csv"))).isEqualTo(Files.readAllBytes(ref));
        // the GeoJSON of each unit is the one-file path's
        try (Stream<Path> s = Files.list(tmp.resolve("refgeo"))) {
            for (Path g : s.toList()) {
                String id = g.getFileName().toString().replace(".geojson", "");
                assertThat(Files.readAllBytes(tmp.resolve("all/slides/" + id + "/" + id + ".geojson")))
                        .isEqualTo(Files.readAllBytes(g));
            }
        }
        assertThat(Files.readString(tmp.resolve("all/report.txt"))).contains("mean Dice");
        // rerun: everything skipped, same bytes
        assertThat(ok(predict("--out-dir", tmp.resolve("all").toString(), "--geojson")))
                .contains("4 of 4 slides done already").contains("predicted 0 slides, skipped 4");
        assertThat(Files.readAllBytes(tmp.resolve("all/submission.csv"))).isEqualTo(Files.readAllBytes(ref));
        // another threshold: every slide redone
        assertThat(ok(predict("--out-dir", tmp.resolve("all").toString(), "--geojson", "--threshold", "0.6")))
                .contains("settings changed, predicting it again").contains("predicted 4 slides, skipped 0");
        // shards into their own folders, then merge
        for (int i = 0; i < 2; i++) {
            assertThat(ok(predict("--out-dir", tmp.resolve("s" + i).toString(), "--shard", i + "/2")))
                    .contains("shard " + i + "/2: 2 slides").contains("hubmap merge");
            assertThat(tmp.resolve("s" + i + "/submission.csv")).doesNotExist();
        }
        assertThat(ok("merge", "--out", tmp.resolve("merged").toString(), tmp.resolve("s1").toString(),
                tmp.resolve("s0").toString())).contains("cohort of 4 slides").contains("wrote");
        assertThat(Files.readAllBytes(tmp.resolve("merged/submission.csv"))).isEqualTo(Files.readAllBytes(ref));
        // shards sharing one folder, merged in place
        for (int i = 0; i < 2; i++) {
            ok(predict("--out-dir", tmp.resolve("shared").toString(), "--shard", i + "/2"));
        }
        ok("merge", "--out", tmp.resolve("shared").toString(), tmp.resolve("shared").toString());
        assertThat(Files.readAllBytes(tmp.resolve("shared/submission.csv"))).isEqualTo(Files.readAllBytes(ref));
        // a missing shard is named
        assertThat(fails("merge", "--out", tmp.resolve("m2").toString(), tmp.resolve("s0").toString()))
                .contains("2 of 4 slides have no finished unit");
    }

    @Test
    void csvInputAndOutputsInTheUnits(@TempDir Path tmp) throws Exception {
        List<Path> tiffs;
        try (Stream<Path> s = Files.list(data.resolve("test"))) {
            tiffs = s.filter(p -> p.toString().endsWith(".tiff")).sorted().toList();
        }
        Path csv = tmp.resolve("slides.csv");
        Files.writeString(csv, "path\n" + tiffs.get(2) + "\n" + tiffs.get(0) + "\n");
        ok(predictOn(csv, "--out-dir", tmp.resolve("o").toString(), "--probability-tiff",
                "--overlays"));
        List<String> rows = Files.readAllLines(tmp.resolve("o/submission.csv"));
        String first = tiffs.get(2).getFileName().toString().replace(".tiff", "");
        assertThat(rows).hasSize(3);
        assertThat(rows.get(1)).startsWith(first + ",");
        assertThat(tmp.resolve("o/slides/" + first + "/" + first + ".ome.tif")).isRegularFile();
        assertThat(tmp.resolve("o/slides/" + first + "/" + first + ".png")).isRegularFile();
        // the same slide's row as in the competition-folder run
        Path ref = tmp.resolve("ref.csv");
        ok(predict("--out", ref.toString(), "--ids", first));
        assertThat(rows.get(1)).isEqualTo(Files.readAllLines(ref).get(1));
    }

    @Test
    void mistakesAreOneLine(@TempDir Path tmp) throws Exception {
        String o = tmp.resolve("o").toString();
        assertThat(fails(predict("--out-dir", o, "--out", tmp.resolve("x.csv").toString())))
                .contains("give --out CSV or --out-dir DIR, not both");
        assertThat(fails(predict("--shard", "0/2"))).contains("--shard needs --out-dir");
        assertThat(fails(predict("--out-dir", o, "--shard", "2/2"))).contains("shard must be I/N");
        assertThat(fails(predict("--out-dir", o, "--geojson", tmp.resolve("g").toString())))
                .contains("take no folder");
        assertThat(fails(predict("--geojson"))).contains("need a folder");
        assertThat(fails(predictOn(tmp, "--out-dir", o))).contains("holds no .tif/.tiff slides");
        assertThat(fails("merge", "--out", o, tmp.toString())).contains("is not a cohort output folder");
        Path file = tmp.resolve("file");
        Files.writeString(file, "x");
        assertThat(fails(predict("--out-dir", file.toString()))).contains("exists and is not a folder");
    }
}
