package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.geom.MaskPolygon;
import io.github.hubmapseg.core.geom.Polygons;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolygonsCommandTest {
    @TempDir
    static Path dir;
    static Path data;
    static final int N = 512;

    @BeforeAll
    static void synth() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(3).size(N, N).patients(2).seed(8).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
    }

    @Test
    void rleAndPngMasksRoundTripExactlyAndSimplifiedAboveDice0999(@TempDir Path tmp) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path exact = tmp.resolve("exact");
        assertThat(run(out, err, "polygons", "--rle", data.resolve("train.csv").toString(), "--data", data.toString(),
                "--out", exact.toString(), "--simplify", "0")).as(err.toString()).isEqualTo(0);
        Path simple = tmp.resolve("simple");
        assertThat(run(out, err, "polygons", "--rle", data.resolve("train.csv").toString(), "--size", N + "x" + N,
                "--out", simple.toString())).as(err.toString()).isEqualTo(0);
        List<TrainRow> rows = KaggleFiles.readTrain(data.resolve("train.csv"));
        assertThat(rows).isNotEmpty();
        for (TrainRow row : rows) {
            RleRuns runs = Rle.parse(row.encoding(), N, N);
            byte[] mask = Rle.decodeWindow(runs, 0, 0, N, N);
            List<MaskPolygon> e = KaggleFiles.readObjects(exact.resolve(row.id() + ".geojson"), "x");
            assertThat(e).isNotEmpty();
            assertThat(Polygons.rasterize(e, N, N)).isEqualTo(mask);
            List<MaskPolygon> s = KaggleFiles.readObjects(simple.resolve(row.id() + ".geojson"), "x");
            assertThat(Dice.dice(Polygons.rasterize(s, N, N), mask)).isGreaterThanOrEqualTo(0.999);

            Path png = tmp.resolve(row.id() + ".png");
            MaskImages.write(runs, png);
            Path fromPng = tmp.resolve("png");
            assertThat(run(out, err, "polygons", "--mask", png.toString(), "--out", fromPng.toString(), "--simplify",
                    "0")).as(err.toString()).isEqualTo(0);
            List<MaskPolygon> p = KaggleFiles.readObjects(fromPng.resolve(row.id() + ".geojson"), "x");
            assertThat(Polygons.rasterize(p, N, N)).isEqualTo(mask);
        }
    }

    @Test
    void badInputIsOneLine(@TempDir Path tmp) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "polygons", "--rle", data.resolve("train.csv").toString(), "--size", "12",
                "--out", tmp.toString())).isNotEqualTo(0);
        assertThat(err.toString()).startsWith("hubmap: error: --size must be WIDTHxHEIGHT with positive integers, "
                + "got '12'").doesNotContain("\tat ");
        err.getBuffer().setLength(0);
        assertThat(run(out, err, "polygons", "--rle", data.resolve("train.csv").toString(), "--size", "10x10",
                "--out", tmp.toString(), "--object-type", "cell")).isNotEqualTo(0);
        assertThat(err.toString()).contains("annotation or detection, got 'cell'");
    }
}
