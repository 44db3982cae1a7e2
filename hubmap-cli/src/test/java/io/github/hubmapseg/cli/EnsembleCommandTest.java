package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import io.github.hubmapseg.pipeline.train.ModelFactory;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hubmap ensemble} writes members with their own settings; {@code hubmap predict} runs them in one pass. */
class EnsembleCommandTest {
    @TempDir
    static Path dir;
    static Path data;
    static Path model;

    @BeforeAll
    static void anUntrainedCheckpoint() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(3).size(256, 256).patients(2).seed(5).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
        Recipe r = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("infer.tile_size=64", "infer.reduce=4",
                "infer.expansion=0", "infer.tta=[]", "model.base_channels=4"));
        model = dir.resolve("m.zip");
        try (SegmentationModel m = ModelFactory.create(r)) {
            Checkpoint.of(r, 1, 1, Normalization.scale255(3), List.of(), Double.NaN, 0, m, false).save(model);
        }
    }

    @Test
    void membersWithTheirOwnSettingsAreWrittenAndPredictedInOnePass(@TempDir Path tmp) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path json = tmp.resolve("multi.json");
        assertThat(run(out, err, "ensemble", "--out", json.toString(), model + "@reduce=2",
                model + "@reduce=4,tile=32,tta=hflip+vflip,weight=2", "--combine", "vote:2", "--threshold", "0.4"))
                .as(err.toString()).isZero();
        Ensemble e = Ensemble.load(json);
        assertThat(e.entries()).extracting(Ensemble.Member::infer).containsExactly(Map.of("reduce", 2),
                Map.of("reduce", 4, "tile_size", 32, "tta", List.of("hflip", "vflip")));
        assertThat(e.entries().get(1).weight()).isEqualTo(2.0);
        assertThat(e.combine()).isEqualTo("vote:2");
        assertThat(e.threshold()).isEqualTo(0.4);

        out = new StringWriter();
        Path csv = tmp.resolve("sub.csv");
        assertThat(run(out, err, "predict", "--data", data.toString(), "--ensemble", json.toString(), "--out",
                csv.toString(), "--probability-tiff", tmp.resolve("prob").toString(), "--tiff-tile", "64",
                "--overlays", tmp.resolve("ov").toString())).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("member 0: " + model + ": reduce 2, tile 64, expansion 0")
                .contains("member 1: " + model + ": reduce 4, tile 32, expansion 0")
                .contains("tta [hflip, vflip], weight 2.0 (own: reduce, tile_size, tta)")
                .contains("combine: vote 2 of n at p >= 0.4")
                .contains("memory plan for").contains("grid 2x2 at 128x128").contains("grid 2x2 at 64x64")
                .contains("tiling kernels: Vector API, ");
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            for (String id : ds.testIds()) {
                assertThat(tmp.resolve("prob").resolve(id + ".ome.tif")).exists();
                assertThat(tmp.resolve("ov").resolve(id + ".png")).exists();
            }
        }
        assertThat(csv).exists();
    }

    @Test
    void badMembersAreOneLine(@TempDir Path tmp) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "ensemble", "--out", tmp.resolve("e.json").toString(), model + "@colour=red"))
                .isNotZero();
        assertThat(err.toString()).contains("unknown member setting 'colour'").doesNotContain("\tat ");
        err = new StringWriter();
        assertThat(run(out, err, "ensemble", "--out", tmp.resolve("e.json").toString(), model + "@reduce=2",
                "--combine", "vote:3")).isNotZero();
        assertThat(err.toString()).contains("vote:3").doesNotContain("\tat ");
        err = new StringWriter();
        assertThat(run(out, err, "predict", "--data", data.toString(), "--ensemble", model.toString(),
                model + "@reduce=2")).isNotZero();
        assertThat(err.toString()).contains("not both").doesNotContain("\tat ");
        assertThat(Files.exists(tmp.resolve("e.json"))).isFalse();
    }
}
