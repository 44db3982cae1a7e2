package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.geom.MaskPolygon;
import io.github.hubmapseg.core.geom.Polygons;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.rle.Rle;
import java.nio.file.Files;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.pseudo.PseudoLabels;
import io.github.hubmapseg.pipeline.train.Trainer;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PseudoAndProbabilityTiffCommandTest {
    @TempDir
    static Path dir;
    static Path data;
    static Path model;

    @BeforeAll
    static void trainATinyModel() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(3).size(256, 256).patients(2).seed(5).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
        Recipe r = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("data.tile_size=64", "data.reduce=4",
                "data.tiles_per_epoch=4", "train.batch_size=2", "train.epochs=1", "infer.tile_size=64",
                "infer.reduce=4", "infer.expansion=0", "infer.tta=[]", "model.base_channels=4"));
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            model = Trainer.builder(r, ds, ds.trainIds(), List.of(), dir.resolve("run")).threads(1).build().train()
                    .best();
        }
    }

    @Test
    void pseudoWritesMasksAndUncertainRegionsOfTheTestSlides(@TempDir Path tmp) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path p = tmp.resolve("pseudo");
        assertThat(run(out, err, "pseudo", "--data", data.toString(), "--ensemble", model.toString(), "--out",
                p.toString(), "--low", "0.2", "--high", "0.8")).as(err.toString()).isEqualTo(0);
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            assertThat(KaggleFiles.readTrain(p.resolve(PseudoLabels.MASKS))).extracting(TrainRow::id)
                    .containsExactlyElementsOf(ds.testIds());
        }
        assertThat(PseudoLabels.load(p, 0.05).uncertain()).hasSize(1);
        assertThat(out.toString()).contains("uncertain 0.200 < p < 0.800");
    }

    @Test
    void predictWritesAPyramidalProbabilityTiffPerSlide(@TempDir Path tmp) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "predict", "--data", data.toString(), "--ensemble", model.toString(), "--out",
                tmp.resolve("sub.csv").toString(), "--probability-tiff", tmp.resolve("prob").toString(),
                "--tiff-tile", "64")).as(err.toString()).isEqualTo(0);
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            for (String id : ds.testIds()) {
                Path f = tmp.resolve("prob").resolve(id + ".ome.tif");
                assertThat(out.toString()).contains("wrote " + f + " (3 levels)");
                try (ImageSource s = ImageSources.open(f)) {
                    assertThat(s.width()).isEqualTo(256);
                    assertThat(s.channels()).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void predictGeojsonRasterisesToTheSubmissionOfTheSamePass(@TempDir Path tmp) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path geo = tmp.resolve("geo");
        assertThat(run(out, err, "predict", "--data", data.toString(), "--ensemble", model.toString(), "--out",
                tmp.resolve("sub.csv").toString(), "--threshold", THRESHOLD, "--geojson", geo.toString(),
                "--simplify", "0", "--object-type", "detection")).as(err.toString()).isEqualTo(0);
        assertThat(out.toString()).contains("wrote 1 GeoJSON files to " + geo);
        long objects = 0;
        for (TrainRow row : KaggleFiles.readSubmission(tmp.resolve("sub.csv"))) {
            List<MaskPolygon> polys = KaggleFiles.readObjects(geo.resolve(row.id() + ".geojson"), "Mean probability");
            objects += polys.size();
            byte[] mask = Rle.decodeWindow(Rle.parse(row.encoding(), 256, 256), 0, 0, 256, 256);
            assertThat(Polygons.rasterize(polys, 256, 256)).isEqualTo(mask);
            assertThat(polys).allMatch(p -> p.meanValue() > Double.parseDouble(THRESHOLD) && p.meanValue() <= 1);
        }
        assertThat(objects).isPositive();
        assertThat(Files.readString(geo.resolve(KaggleFiles.readSubmission(tmp.resolve("sub.csv")).get(0).id()
                + ".geojson"))).contains("\"objectType\":\"detection\"");
    }

    /** A threshold at which the one-epoch model's mask has objects. */
    static final String THRESHOLD = "0.45";

    @Test
    void badTiffFormatIsOneLine(@TempDir Path tmp) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "predict", "--data", data.toString(), "--ensemble", model.toString(), "--out",
                tmp.resolve("s.csv").toString(), "--probability-tiff", tmp.toString(), "--tiff-format", "jpeg"))
                .isNotEqualTo(0);
        assertThat(err.toString()).startsWith("hubmap: error: --tiff-format must be uint8 or float32, got 'jpeg'")
                .doesNotContain("\tat ");
    }
}
